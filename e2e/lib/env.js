// Where the server under test is and who may call it; scripts/e2e.sh sets
// these after starting the server and creating the users.
function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through scripts/e2e.sh`);
  return v;
}

export const baseURL = required('AGENTGRAPH_URL');
export const graphqlURL = `${baseURL}/graphql`;
export const wsURL = graphqlURL.replace(/^http/, 'ws');

/** API keys: two ordinary users with credits, and an admin. */
export const keys = {
  alice: required('E2E_USER_KEY'),
  bob: required('E2E_OTHER_USER_KEY'),
  admin: required('E2E_ADMIN_KEY'),
};
