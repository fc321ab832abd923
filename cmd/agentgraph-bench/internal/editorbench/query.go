package editorbench

// EditorQuery is what the visual editor loads in one request: the graph,
// every node with its block, every link with its ends, the versions and the
// first page of runs with their node executions. It is editorQuery in
// resolvers/editor_test.go, character for character (TestSameEditorQuery
// checks): the test counts its statements, this bench its speed.
const EditorQuery = `query Editor($id: ID!) {
  graph(id: $id) {
    id version name description isActive isTemplate createdAt
    owner { id displayName }
    nodes { id key label blockId inputDefault metadata position { x y } requiredInputs outputSchema
      block { id name description categories blockType inputSchema outputSchema costs { costType costAmount } credentialsProviderNames } }
    links { id sourceName sinkName isStatic source { id key } sink { id key } }
    entryNodes { id } exitNodes { id }
    versions { id version isActive createdAt }
    executions(first: 10) { edges { node { id status createdAt stats { totalNodes successRate } nodeExecutions { id status nodeId node { id key } } } } pageInfo { hasNextPage endCursor } }
  }
}`
