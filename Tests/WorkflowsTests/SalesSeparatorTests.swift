import Workflows
import Store
import Testing

/// The ETL's scan and the upload's head check read semicolon and tab separated sales files as they read commas.
@Suite struct SalesSeparatorTests {
    func scan(_ text: String) throws -> (ScanSummary, [SalesRow]) {
        var rows: [SalesRow] = []
        let summary = try SalesScanner.scan(bytes: Array(text.utf8)) { rows.append($0) }
        return (summary, rows)
    }

    @Test func semicolonAndTabFilesGiveTheCommaFilesRows() throws {
        let comma = try scan("date,product_id,category,sales\n2024-01-01,P1,\"Toys; games\",3\n2024-01-02,P2,Books,4.5\n")
        let semicolon = try scan("date;product_id;category;sales\n2024-01-01;P1;Toys; games\n2024-01-01;P1;\"Toys; games\";3\n2024-01-02;P2;Books;4.5\n")
        let tab = try scan("date\tproduct_id\tcategory\tsales\n2024-01-01\tP1\tToys; games\t3\n2024-01-02\tP2\tBooks\t4.5\n")
        #expect(comma.0.fatal == nil && comma.1.count == 2)
        for other in [semicolon, tab] {
            #expect(other.0.fatal == nil)
            #expect(other.1.map(\.category) == comma.1.map(\.category))
            #expect(other.1.map(\.productID) == comma.1.map(\.productID))
            #expect(other.1.map(\.day) == comma.1.map(\.day))
        }
        // The semicolon file's unquoted "Toys; games" row has five fields: rejected, named by its line.
        #expect(semicolon.0.rejectedRows == 1)
        #expect(semicolon.0.errors.first?.hasPrefix("line 2:") == true)
    }

    @Test func headCheckAcceptsSemicolonFiles() {
        #expect(SalesFileCheck.problem(head: Array("date;product_id;category;sales\n2024-01-01;P1;Toys;3\n".utf8), truncated: false) == nil)
        #expect(SalesFileCheck.problem(head: Array("date;product_id;category\n2024-01-01;P1;Toys\n".utf8), truncated: false) != nil)
    }
}
