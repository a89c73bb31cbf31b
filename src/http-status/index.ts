export {
  type ApiErrorBody,
  type ApiErrorCode,
  apiErrorStatus,
  errorResponse,
  failureResponse,
  type ModuleFailure,
  type ValidationIssue,
} from './errors.js';
