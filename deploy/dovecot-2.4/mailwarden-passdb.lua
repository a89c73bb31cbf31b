-- Mailwarden passdb for Dovecot 2.4 (Debian 13, package dovecot-auth-lua): every password check of IMAP,
-- POP3, ManageSieve and Postfix SASL (SMTP AUTH) is decided by Mailwarden's sign-in pipeline
-- (lockout, app passwords, mail password policy, MFA, risk) and lands in its sign-in log.
--
-- Install: /etc/dovecot/mailwarden-passdb.lua, used by conf.d/90-mailwarden-auth.conf.
-- The Authorization header comes from HEADER_FILE (one line: "Authorization: Bearer <secret>"; mode
-- 0640, owner root, group dovecot: the auth process runs as dovecot and reads it at start-up),
-- the secret being Mailwarden's dovecot.authSecret); the auth policy snippet reads the same file.
-- Mailwarden answers 200 (right), 403 (wrong or refused; the body names why) or 5xx (cannot
-- decide): a 5xx or no answer is INTERNAL_FAILURE ("try again later"), never a password mismatch.

local MAILWARDEN_PASSDB_URL = "http://127.0.0.1:8025/dovecot/passdb"
local HEADER_FILE = "/etc/dovecot/mailwarden-auth.header"
-- Postfix's Dovecot SASL client answers 535 5.7.8 (as to a wrong password) to every failure Dovecot
-- reports, temporary ones included, and 454 4.7.0 ("try again later") only when Dovecot does not
-- answer within its 10 s. So when Mailwarden cannot decide an SMTP AUTH, the answer waits this long.
local POSTFIX_SASL_WAIT_SECONDS = 11

local http_client = nil
local header_name, header_value = nil, nil

local function urlencode(s)
  s = tostring(s or "")
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function script_init()
  -- Dovecot 2.4 takes its HTTP client settings by their Dovecot names.
  http_client = dovecot.http.client {
    request_timeout = "10s";   -- argon2id and a slow database fit well within it
    request_max_attempts = 1;
  }
  local file = io.open(HEADER_FILE, "r")
  if file == nil then
    error("mailwarden: cannot read " .. HEADER_FILE)
  end
  local line = file:read("*l") or ""
  file:close()
  header_name, header_value = line:match("^%s*([^:%s]+)%s*:%s*(.-)%s*$")
  if header_name == nil or header_value == "" then
    error("mailwarden: " .. HEADER_FILE .. " must hold one line: Authorization: Bearer <secret>")
  end
  return 0
end

function script_deinit()
end

-- Dovecot 2.4 calls the service the protocol (%{protocol}); 2.3's name is kept as a fallback.
function protocol_of(req)
  return req.protocol or req.service
end

-- Dovecot 2.4 takes nil or a table of fields as the second value (2.3 took "" too).
function auth_password_verify(req, password)
  local r = http_client:request {
    url = MAILWARDEN_PASSDB_URL;
    method = "POST";
  }
  r:add_header("Content-Type", "application/x-www-form-urlencoded")
  r:add_header(header_name, header_value)
  -- After a master-user passdb (result_success = continue) Dovecot skips the password check:
  -- Mailwarden only confirms that the target account exists and is enabled.
  local mode, pw = "verify", password
  if req.skip_password_check then mode, pw = "exists", "" end
  r:set_payload("user=" .. urlencode(req.user) ..
                "&mode=" .. mode ..
                "&master_user=" .. urlencode(req.master_user) ..
                "&password=" .. urlencode(pw) ..
                "&service=" .. urlencode(protocol_of(req)) ..
                "&rip=" .. urlencode(req.remote_ip or req.rip) ..
                "&session=" .. urlencode(req.session))
  local resp = r:submit()
  local status = resp:status()
  if status == 200 then
    return dovecot.auth.PASSDB_RESULT_OK, nil
  elseif status == 403 then
    -- The first line names why (for this log); a second line, when there is one, is for the client.
    local code, message = tostring(resp:payload() or ""):match("^([^\n]*)\n?(.*)$")
    req:log_info("mailwarden refused: " .. code)
    if message ~= "" then
      -- Dovecot 2.3 sends no reason= of a failed passdb to the client; the login processes of IMAP,
      -- POP3 and ManageSieve refuse a "nologin" answer and show its reason (IMAP: NO [CONTACTADMIN]
      -- <reason>). Postfix's SASL ignores nologin: Mailwarden sends a message for those three only.
      return dovecot.auth.PASSDB_RESULT_OK, { nologin = "y", reason = message }
    end
    return dovecot.auth.PASSDB_RESULT_PASSWORD_MISMATCH, nil
  else
    req:log_warning("mailwarden unavailable: " .. tostring(status) .. " " .. tostring(resp:reason()))
    if protocol_of(req) == "smtp" then
      -- Holds this auth worker (blocking=yes) for the wait; IMAP, POP3 and ManageSieve are told at once.
      os.execute("sleep " .. POSTFIX_SASL_WAIT_SECONDS)
    end
    return dovecot.auth.PASSDB_RESULT_INTERNAL_FAILURE, "Mailwarden unavailable"
  end
end
