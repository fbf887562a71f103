/**
 * The change-request decision core: pure functions, no I/O, no clock. Data access and server
 * actions gather the inputs, call these, and write the result.
 */
export {
  RISK_TIERS,
  classifyRisk,
  compareTiers,
  componentRisk,
  maxTier,
  normalizeDomain,
  sensitiveDomainsTouched,
  type ComponentRisk,
  type RiskAssessment,
  type RiskInput,
} from "./risk";
export {
  GATE_TYPES,
  canaryLadder,
  preCanaryGates,
  requiredGates,
  type GateKey,
  type GateType,
  type RequiredGate,
} from "./gates";
export {
  CHANGE_REQUEST_ACTIONS,
  CHANGE_REQUEST_STATES,
  STATE_LABELS,
  TERMINAL_STATES,
  TRANSITIONS,
  allowedActions,
  transition,
  type Actor,
  type ChangeRequestAction,
  type ChangeRequestState,
  type TransitionContext,
  type TransitionRequest,
  type TransitionResult,
  type TransitionRule,
} from "./state-machine";
export {
  APPROVAL_REQUIREMENTS,
  approvalStatus,
  canDecide,
  type ApprovalStatus,
  type CanDecideResult,
  type RecordedDecision,
  type ReviewDecision,
} from "./approval-policy";
export {
  EMERGENCY_REASON_MIN_LENGTH,
  MAX_COMPONENTS_PER_CHANGE,
  MAX_HIGH_RISK_KINDS_PER_RELEASE,
  WINDOW_BOUND_TIERS,
  checkComponentCount,
  checkDistinctKinds,
  checkHighRiskKinds,
  checkOneRolloutInFlight,
  checkRolloutStart,
  type ReleaseRule,
  type RolloutStartCheck,
  type RuleCheck,
} from "./release-rules";
export {
  deployWindowStatus,
  describeDeployWindow,
  type DeployWindow,
  type DeployWindowStatus,
  type Holiday,
} from "@/lib/releases/deploy-window";
