package autogpt

// autogptBlocks names AutoGPT blocks by id, so that an import refused for
// blocks that do not exist here says which ones (an export holds block ids
// only). Blocks that exist here are named by the registry, which keeps
// AutoGPT's ids and names; some are listed here too, harmlessly. The table
// holds the blocks AutoGPT's example agents and its most used integrations
// need; another id is named by the id alone.
var autogptBlocks = map[string]string{
	// graph inputs
	"7fcd3bcb-8e1b-4e69-903d-32d3d4a92158": "AgentShortTextInputBlock",
	"90a56ffb-7024-4b2b-ab50-e26c5e5ab8ba": "AgentLongTextInputBlock",
	"96dae2bb-97a2-41c2-bd2f-13a3b5a8ea98": "AgentNumberInputBlock",
	"7e198b09-4994-47db-8b4d-952d98241817": "AgentDateInputBlock",
	"2a1c757e-86cf-4c7e-aacf-060dc382e434": "AgentTimeInputBlock",
	"95ead23f-8283-4654-aef3-10c053b74a31": "AgentFileInputBlock",
	"655d6fdf-a334-421c-b733-520549c07cd1": "AgentDropdownInputBlock",
	"cbf36ab5-df4a-43b6-8a7f-f7ed8652116e": "AgentToggleInputBlock",
	"5603b273-f41e-4020-af7d-fbc9c6a8d928": "AgentTableInputBlock",
	"d3b32f15-6fd7-40e3-be52-e083f51b19a2": "AgentGoogleDriveFileInputBlock",
	// data and logic
	"95d1b990-ce13-4d88-9737-ba5c2070c97b": "UniversalTypeConverterBlock",
	"3c9c2f42-b0c3-435f-ba35-05f7a25c772a": "CountItemsBlock",
	"286380af-9529-4b55-8be0-1d7c854abdb5": "XMLParserBlock",
	"d93c5a93-ac7e-41c1-ae5c-ef67e6e9b826": "RemoveFromListBlock",
	"fbf62922-bea1-4a3d-8bac-23587f810b38": "ReplaceListItemBlock",
	"896ed73b-27d0-41be-813c-c1c1dc856c03": "ListIsEmptyBlock",
	"422cb708-3109-4277-bfe3-bc2ae5812777": "ReverseListOrderBlock",
	"46afe2ea-c613-43f8-95ff-6692c3ef6876": "RemoveFromDictionaryBlock",
	"27e31876-18b6-44f3-ab97-f6226d8b3889": "ReplaceDictionaryValueBlock",
	"a3cf3f64-6bb9-4cc6-9900-608a0b3359b0": "DictionaryIsEmptyBlock",
	"6dbbc4b3-ca6c-42b6-b508-da52d23e13f2": "IfInputMatchesBlock",
	"4a448883-71fa-49cf-91cf-70d793bd7d87": "DataSamplingBlock",
	"1d055e55-a2b9-4547-8311-907d05b0304d": "PersistInformationBlock",
	"d8710fc9-6e29-481e-a7d5-165eb16f8471": "RetrieveInformationBlock",
	"d67a9c52-5e4e-11e2-bcfd-0800200c9a71": "CountdownTimerBlock",
	"8b2a7b3c-6e9d-4a5f-8c1b-2e3f4a5b6c7d": "HumanInTheLoopBlock",
	"2570e8fe-8447-43ed-84c7-70d657923231": "TextDecoderBlock",
	"d3a7d896-3b78-4f44-8b4b-48fbf4f0bcd8": "CodeExtractionBlock",
	"ab2a782d-22cf-4587-8a70-55b59b3f9f90": "WordCharacterCountBlock",
	"cbb50872-625b-42f0-8203-a2ae78242d8a": "FileStoreBlock",
	"3735a31f-7e18-4aca-9e90-08a7120674bc": "FileReadBlock",
	// the web
	"87840993-2053-44b7-8da4-187ad4ee518c": "SearchTheWebBlock",
	"436c3984-57fd-4b85-8e9a-459b356883bd": "ExtractWebsiteContentBlock",
	"fff86bcd-e001-4bad-a7f6-2eae4720c8dc": "SendAuthenticatedWebRequestBlock",
	"c8a5f2e9-8b3d-4a7e-9f6c-1d5e3c9b7a4f": "PerplexityBlock",
	"b79ca4cc-9d5e-47d1-9d4f-e3a2d7f28df5": "ExaAnswerBlock",
	"d1774756-4d9e-40e6-bab1-47ec0ccd81b2": "FirecrawlExtractBlock",
	"ac444320-cf5e-4697-b586-2604c17a3e75": "FirecrawlScrapeBlock",
	"f8d2f28d-b3a1-405b-804e-418c087d288b": "FirecrawlSearchBlock",
	"bdbbaba0-03b7-4971-970e-699e2de6015e": "FirecrawlCrawlBlock",
	"806fb15e-830f-4796-8692-557d300ff43c": "JinaChunkingBlock",
	"7c56b3ab-62e7-43a2-a2dc-4ec4245660b6": "JinaEmbeddingBlock",
	// media and models
	"ed1ae7a0-b770-4089-b520-1f0005fad19a": "AIImageGeneratorBlock",
	"d76bbe4c-930e-4894-8469-b66775511f71": "AIImageCustomizerBlock",
	"3fd9c73d-4370-4925-a1ff-1b86b99fabfa": "AIImageEditorBlock",
	"44f6c8ad-d75c-4ae1-8209-aad1c0326928": "AIMusicGeneratorBlock",
	"361697fb-0c4f-4feb-aed3-8320c88c771b": "AIShortformVideoCreatorBlock",
	"530cf046-2ce0-4854-ae2c-659db17c7a46": "AIVideoGeneratorBlock",
	"553ec5b8-6c45-4299-8d75-b394d05f72ff": "AIConditionBlock",
	"90f8c45e-e983-4644-aa0b-b4ebe2f531bc": "ReplicateFluxAdvancedModelBlock",
	"c40d75a2-d0ea-44c9-a4f6-634bb3bdab1a": "ReplicateModelBlock",
	"6ab085e2-20b3-4055-bc3e-08036e01eca6": "IdeogramModelBlock",
	"4ff1ff6d-cc40-4caa-ae69-011daa20c378": "UnrealTextToSpeechBlock",
	"98c6f503-8c47-4b1c-a96d-351fc7c87dab": "CreateTalkingAvatarVideoBlock",
	"c7d3a5c2-05fc-450e-8dce-3b0e04626009": "BannerbearTextOverlayBlock",
	"0b02b072-abe7-11ef-8372-fb5d162dd712": "ExecuteCodeBlock",
	"f3a8f7e1-4b1d-4e5f-9f2a-7c3d5a2e6b4c": "TranscribeYoutubeVideoBlock",
	// Google and mail
	"25310c70-b89b-43ba-b25c-4dfa7e2a481c": "GmailReadBlock",
	"6c27abc2-e51d-499e-a85f-5a0041ba94f0": "GmailSendBlock",
	"12bf5a24-9b90-4f40-9090-4e86e6995e60": "GmailReplyBlock",
	"3e1c2c1c-c689-4520-b956-1f3bf4e02bb7": "GmailListLabelsBlock",
	"f884b2fb-04f4-4265-9658-14f433926ac9": "GmailAddLabelBlock",
	"0afc0526-aba1-4b2b-888e-a22b7c3f359d": "GmailRemoveLabelBlock",
	"21a79166-9df7-4b5f-9f36-96f639d86112": "GmailGetThreadBlock",
	"ed2ec950-fbff-4204-94c0-023fb1d625e0": "GoogleCalendarCreateEventBlock",
	"80bc3ed1-e9a4-449e-8163-a8fc86f74f6a": "GoogleCalendarReadEventsBlock",
	"4335878a-394e-4e67-adf2-919877ff49ae": "SendEmailBlock",
	"e3950439-fa0b-40e8-b19f-e0dca0bf5853": "ValidateEmailsBlock",
	// other integrations
	"c15febe0-66ce-4c6f-aebd-5ab351653804": "NotionCreatePageBlock",
	"fcd53135-88c9-4ba3-be50-cc6936286e6c": "NotionReadDatabaseBlock",
	"d1312c4d-fae2-4e70-893d-f4d07cce1d4e": "NotionReadPageMarkdownBlock",
	"313515dd-9848-46ea-9cd6-3c627c892c56": "NotionSearchBlock",
	"f9c68f55-dcca-40a8-8771-abf9601680aa": "LinearCreateIssueBlock",
	"df06086a-d5ac-4abb-9996-2ad0acb2eff7": "ReadDiscordMessagesBlock",
	"d0822ab5-9f8a-44a3-8971-531dd0178b6b": "SendDiscordMessageBlock",
	"f6e0ac73-4f1d-4acb-b4b7-b67066c5984e": "GetLinkedinProfileBlock",
	"6443c75d-032a-4772-9c08-230c707c8acc": "GithubReadIssueBlock",
	"bf94b2a4-1a30-4600-a783-a8a44ee31301": "GithubReadPullRequestBlock",
	"dfb987f8-f197-4b2e-bf19-111812afd692": "GithubMakePullRequestBlock",
	"87ce6c27-5752-4bbc-8e26-6da40a3dcfd3": "GithubReadFileBlock",
	"6c60ec01-8128-419e-988f-96a063ee2fea": "GithubPullRequestTriggerBlock",
	"3352f512-3524-49ed-a08f-003042da2fc1": "PostToFacebookBlock",
	"89b02b96-a7cb-46f4-9900-c48b32fe1552": "PostToInstagramBlock",
	"9e8f844e-b4a5-4b25-80f2-9e1dd7d67625": "PostToXBlock",
	"589af4e4-507f-42fd-b9ac-a67ecef25811": "PostToLinkedInBlock",
	"0082d712-ff1b-4c3d-8a8d-6c7721883b83": "PostToYouTubeBlock",
	"c7733580-3c72-483e-8e47-a8d58754d853": "PostToRedditBlock",
}

// unknownBlockName is BlockName's answer for an id the table does not know.
const unknownBlockName = "an unknown block"

// BlockName is AutoGPT's name of a block that does not exist here, or
// "an unknown block" when the table does not know its id.
func BlockName(id string) string {
	if n, ok := autogptBlocks[id]; ok {
		return n
	}
	return unknownBlockName
}
