export {
  type Alert,
  type AlertSeverity,
  type AlertStatus,
  type AlertType,
  alertTypes,
} from './alert-types.js';
export {
  type Alerts,
  type AlertsDeps,
  type AlertUpdateOutcome,
  createAlerts,
  type RaiseAlertInput,
  type RaisedCount,
} from './alerts.js';
