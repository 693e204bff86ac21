import Foundation
import Testing

@testable import XLSX

/// Fixtures shaped like the files seed 002's `POST /api/v1/jobs/data-upload` takes (`stock_file`, `sales_files`),
/// with the headers its `COLUMN_MAPPING` reads.
@Suite struct SeedFileTests {
    static let stockHeader = ["Штрихкод", "Исполнитель", "Альбом", "Конверт", "Цена, руб.", "Тип",
                              "Год записи", "Год выпуска", "Стиль", "Дата создания", "Экземпляры"]
    static let salesHeader = ["Barcode", "Исполнитель", "Альбом", "Конверт", "Цена, руб.", "Тип",
                              "Год записи", "Год выпуска", "Стиль", "Дата добавления", "Дата заказа"]

    @Test func stockFile() throws {
        let workbook = try XLSXWorkbook(data: fixture("stock.xlsx"))
        #expect(workbook.sheetNames == ["Лист1"])
        let rows = try workbook.rows()
        #expect(rows.count == 4)
        #expect(rows[0].map(\.text) == Self.stockHeader)
        #expect(rows[1] == [
            .string("4600000000017"), .string("Кино"), .string("Группа крови"), .string("SS"), .number(3500),
            .string("Переиздание"), .number(1988), .string("2021"), .string("Rock"),
            .dateNumber(45601.42708333334), .number(2),
        ])
        #expect(rows[1][9].date == utc(2024, 11, 5, 10, 15))
        #expect(rows[2][0] == .string("0 5099902987613"), "barcodes are text, spaces and leading zeros kept")
        #expect(rows[3].map(\.text) == ["", "Аквариум", "Радио Африка", "", "2800", "Переиздание", "1983", "201?", "",
                                        "2025-02-28 18:00:00", "3"])
    }

    @Test func salesFileWithDateCells() throws {
        let rows = try XLSXWorkbook(data: fixture("sales_2025_02.xlsx")).rows()
        #expect(rows.count == 3)
        #expect(rows[0].map(\.text) == Self.salesHeader)
        #expect(rows[1][9].date == utc(2024, 11, 5, 10, 15))
        #expect(rows[1][10].date == utc(2025, 2, 3, 14, 21))
        #expect(rows[2][10].date == utc(2025, 2, 14, 9, 5))
    }

    @Test func salesFileWithDatesAsText() throws {
        let rows = try XLSXWorkbook(data: fixture("sales_2025_03.xlsx")).rows()
        #expect(rows[0].map(\.text) == Self.salesHeader)
        #expect(rows[1][9] == .string("05.11.2024 10:15"))
        #expect(rows[1][10] == .string("01.03.2025 11:00"))
    }
}
