package blocks

// BuiltinBlocks constructs the built-in block library, one fresh value per
// block. Builtin() indexes them; tests and tools may build their own
// registry from a subset.
func BuiltinBlocks() []Block {
	return []Block{
		// graph interface
		AgentInputBlock(),
		GenericWebhookTriggerBlock(),
		// AutoGPT's typed graph inputs (inputs.go)
		AgentShortTextInputBlock(),
		AgentLongTextInputBlock(),
		AgentNumberInputBlock(),
		AgentDropdownInputBlock(),
		AgentToggleInputBlock(),
		AgentDateInputBlock(),
		AgentTimeInputBlock(),
		AgentTableInputBlock(),
		AgentOutputBlock(),
		AgentExecutorBlock(),
		// stands for a block an imported AutoGPT agent uses that is missing here (unavailable.go)
		UnavailableBlock(),
		// basics and logic
		StoreValueBlock(),
		PrintToConsoleBlock(),
		NoteBlock(),
		CalculatorBlock(),
		ConditionBlock(),
		StepThroughItemsBlock(),
		WaitBlock(),
		RandomNumberBlock(),
		// text
		MatchTextPatternBlock(),
		ExtractTextInformationBlock(),
		FillTextTemplateBlock(),
		TextSplitBlock(),
		CombineTextsBlock(),
		TextReplaceBlock(),
		// data
		JSONParseBlock(),
		JSONFormatBlock(),
		GetJSONByPathBlock(),
		CreateListBlock(),
		AddToListBlock(),
		FindInListBlock(),
		GetListItemBlock(),
		CreateDictionaryBlock(),
		AddToDictionaryBlock(),
		FindInDictionaryBlock(),
		// time
		GetCurrentDateAndTimeBlock(),
		GetCurrentDateBlock(),
		GetCurrentTimeBlock(),
		// AutoGPT's data blocks (issue 18)
		UniversalTypeConverterBlock(),
		CountItemsBlock(),
		XMLParserBlock(),
		RemoveFromListBlock(),
		ListIsEmptyBlock(),
		IfInputMatchesBlock(),
		PersistInformationBlock(),
		RetrieveInformationBlock(),
		CountdownTimerBlock(),
		// integrations
		SendWebRequestBlock(),
		// the web through Jina's APIs (jina.go)
		SearchTheWebBlock(),
		ExtractWebsiteContentBlock(),
		// services AutoGPT's example agents use (apicall.go)
		TranscribeYoutubeVideoBlock(),
		GoogleMapsSearchBlock(),
		IdeogramModelBlock(),
		ReplicateFluxAdvancedModelBlock(),
		// AI (language models, blocks/llm)
		AITextGeneratorBlock(),
		AIStructuredResponseGeneratorBlock(),
		AITextSummarizerBlock(),
		AIConversationBlock(),
		AIListGeneratorBlock(),
		SmartDecisionMakerBlock(),
		// Integrations (internal/integrations providers)
		GithubListIssuesBlock(),
		GithubMakeIssueBlock(),
		GithubCommentBlock(),
		GithubListPullRequestsBlock(),
		GmailSendBlock(),
		GmailReadBlock(),
		GmailListLabelsBlock(),
	}
}
