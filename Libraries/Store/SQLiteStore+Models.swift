// The model store's statements are `SQLRepository`'s (SQL/SQLRepository+Models.swift).
extension SQLiteStore: ModelStore {}
