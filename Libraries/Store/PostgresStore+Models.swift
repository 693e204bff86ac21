// The model store's statements are `SQLRepository`'s (SQL/SQLRepository+Models.swift).
extension PostgresStore: ModelStore {}
