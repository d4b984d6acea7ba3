import QuarryCore

/// The retrieval modes `quarry search` and `quarry query` offer (a setting, so it is
/// QuarryCore's; named here so users of this module need not import QuarryCore).
public typealias SearchMode = QuarryCore.SearchMode
