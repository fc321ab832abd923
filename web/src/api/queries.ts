// Every operation the app sends, in one place: the app is a reference client
// of the public schema, and this file is the list of what it uses (with the
// account's: credentials in api/credentials.ts, the balance in api/credits.ts).

/**
 * A graph's stable identity, used in URLs and in every mutation that names a
 * graph: Graph.graphId, the same for every version (Graph.id names one
 * version). Every place that needs it goes through this function and the
 * GRAPH_REF selection below.
 */
export function graphRef(g: { id: string; graphId?: string }): string {
  return g.graphId ?? g.id;
}
export const GRAPH_REF = 'id graphId version';

const BLOCK = 'id name description categories blockType inputSchema outputSchema';
// A node names its block by id; its block comes from the catalogue (api/blocks.ts).
const NODE = 'id key blockId label inputDefault metadata position { x y }';
const LINK = 'id sourceId sinkId sourceName sinkName isStatic';
const GRAPH_FULL = `${GRAPH_REF} name description isActive isTemplate updatedAt owner { id }
  nodes { ${NODE} }
  links { ${LINK} }
  inputSchema
  versions { version isActive createdAt }`;
const EXECUTION = `id graphId graphVersion status inputs outputs createdAt endedAt errorMessage
  isShared shareToken canBeCancelled lastSeq
  nodeExecutions { id nodeId status outputs errorMessage }`;

export const ME = `query Me { me { id email displayName preferences { theme } } }`;
// updateMe merges the keys given into the stored preferences.
export const UPDATE_PREFS = `mutation Prefs($p: JSON!) { updateMe(input: { preferences: $p }) { id preferences { theme } } }`;

export const BLOCKS = `query Blocks { blocks { ${BLOCK} } }`;

export const GRAPHS = `query Graphs($q: String) {
  graphs(first: 100, filter: { nameContains: $q }) { edges { node { ${GRAPH_REF} name description isTemplate updatedAt } } }
}`;
export const TEMPLATES = `query Templates($q: String) {
  templates(first: 100, nameContains: $q) { edges { node { ${GRAPH_REF} name description isTemplate updatedAt } } }
}`;
// The caller's active graphs' names like q's (api/names.ts picks a free one).
export const GRAPH_NAMES = `query GraphNames($q: String) { graphs(first: 100, filter: { nameContains: $q }) { edges { node { id name } } } }`;
export const GRAPH = `query Graph($id: ID!, $version: Int) { graph(id: $id, version: $version) { ${GRAPH_FULL} } }`;
// Every version and run of the graph; CONFLICT while a run of it is queued or running.
export const DELETE_GRAPH = `mutation DeleteGraph($id: ID!) { deleteGraph(id: $id) }`;
export const FORK = `mutation Fork($id: ID!, $name: String) { forkGraph(id: $id, name: $name) { ${GRAPH_REF} } }`;
export const CREATE_GRAPH = `mutation Create($input: GraphInput!) { createGraph(input: $input) { ${GRAPH_FULL} } }`;
export const UPDATE_GRAPH = `mutation Update($id: ID!, $input: GraphInput!) { updateGraph(id: $id, input: $input) { ${GRAPH_FULL} } }`;
export const SET_ACTIVE = `mutation SetActive($id: ID!, $version: Int!) { setActiveGraphVersion(id: $id, version: $version) { ${GRAPH_REF} isActive } }`;
export const VALIDATE = `query Validate($input: GraphInput!) { validateGraph(input: $input) { code message nodeKeys linkIndex pin } }`;

export const EXECUTE = `mutation Execute($id: ID!, $version: Int, $inputs: JSON) {
  executeGraph(graphId: $id, version: $version, inputs: $inputs) { id status }
}`;
export const CANCEL = `mutation Cancel($id: ID!) { cancelExecution(id: $id) { id status } }`;
export const RERUN = `mutation Rerun($id: ID!) { rerunExecution(id: $id) { id } }`;
export const SHARE = `mutation Share($id: ID!) { shareExecution(id: $id) { id isShared shareToken } }`;
export const EXECUTION_Q = `query Execution($id: ID!) { execution(id: $id) { ${EXECUTION} graph { ${GRAPH_FULL} } } }`;
// A shared run's first read brings the shape of the graph that ran (every
// node and link, no input defaults); the reads that follow while it runs ask
// only for the run.
export const SHARED = `query Shared($token: String!) {
  sharedExecution(shareToken: $token) {
    ${EXECUTION}
    graphShape { name nodes { id key blockId label position { x y } } links { ${LINK} } }
  }
}`;
export const SHARED_RUN = `query SharedRun($token: String!) { sharedExecution(shareToken: $token) { ${EXECUTION} } }`;
// trigger: the History says which runs a schedule or a webhook started.
export const HISTORY = `query History($id: ID!) {
  executions(graphId: $id, first: 20) { edges { node { id graphVersion status createdAt endedAt trigger { kind } } } }
}`;

export const EXECUTION_EVENTS = `subscription Events($id: ID!) {
  executionEvents(executionId: $id) {
    seq kind status nodeId nodeExecutionId pin value valueTruncated error
    execution { ${EXECUTION} }
  }
}`;
export const GRAPH_EXECUTIONS = `subscription Runs($id: ID!) {
  graphExecutions(graphId: $id) { id graphVersion status createdAt endedAt trigger { kind } }
}`;

// Triggers (triggers/*): a graph's schedules and the webhooks of its active version.
const SCHEDULE = 'id name graphVersion cron timezone inputs nextRunAt lastRunAt isActive misfirePolicy createdAt';
export const SCHEDULES = `query Schedules($id: ID!) { schedules(graphId: $id) { ${SCHEDULE} } }`;
export const CREATE_SCHEDULE = `mutation CreateSchedule($input: ScheduleInput!) { createSchedule(input: $input) { ${SCHEDULE} } }`;
export const UPDATE_SCHEDULE = `mutation UpdateSchedule($id: ID!, $input: ScheduleInput!) { updateSchedule(id: $id, input: $input) { ${SCHEDULE} } }`;
export const PAUSE_SCHEDULE = `mutation PauseSchedule($id: ID!) { pauseSchedule(id: $id) { ${SCHEDULE} } }`;
export const RESUME_SCHEDULE = `mutation ResumeSchedule($id: ID!) { resumeSchedule(id: $id) { ${SCHEDULE} } }`;
export const DELETE_SCHEDULE = `mutation DeleteSchedule($id: ID!) { deleteSchedule(id: $id) }`;
// The inputs of one version, for a schedule of a version other than the one shown.
export const GRAPH_INPUTS = `query GraphInputs($id: ID!, $version: Int) { graph(id: $id, version: $version) { id version inputSchema } }`;
// No version: Graph.webhooks are the active version's.
export const WEBHOOKS = `query Webhooks($id: ID!) { graph(id: $id) { id version webhooks { id url nodeKey provider hasSecret createdAt } } }`;
export const ROTATE_SECRET = `mutation RotateSecret($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`;
