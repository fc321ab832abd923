package autogpt

// autogptBlocks names AutoGPT blocks that do not exist here, by id, so that
// an import refused for them says which blocks are missing. Blocks that
// exist here are named by the registry (they keep AutoGPT's ids and names).
var autogptBlocks = map[string]string{
	"ed1ae7a0-b770-4089-b520-1f0005fad19a": "AIImageGeneratorBlock",
}

// BlockName is AutoGPT's name of a block that does not exist here, or a
// phrase with its id when it is not in the table.
func BlockName(id string) string {
	if n, ok := autogptBlocks[id]; ok {
		return n
	}
	return "an unknown block"
}
