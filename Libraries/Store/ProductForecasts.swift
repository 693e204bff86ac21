import Foundation
import Postgres
import SQLite

// Hierarchies (issue 20): each product's reconciled forecasts (its sales are read by `SQLRepository.productSeries`).

extension SQLiteStore {
    public func saveProductForecasts(category: String, reconciliation: String, products: [ProductForecast], batchNum: String?) async throws {
        try await db.withTransaction { conn in
            _ = try conn.execute("DELETE FROM product_forecast_data WHERE category = \(category)")
            for product in products {
                for p in product.points {
                    _ = try conn.execute("""
                        INSERT INTO product_forecast_data (category, product_id, forecast_date, forecast_value, lower_80, upper_80,
                                                           lower_bound, upper_bound, reconciliation, base, batch_num)
                        VALUES (\(category), \(product.productID), \(p.date), \(Money.round(p.value)), \(p.lower80.map(Money.round)),
                                \(p.upper80.map(Money.round)), \(p.lower95.map(Money.round)), \(p.upper95.map(Money.round)),
                                \(reconciliation), \(product.base), \(batchNum))
                        """)
                }
            }
        }
    }

}

extension PostgresStore {

    public func saveProductForecasts(category: String, reconciliation: String, products: [ProductForecast], batchNum: String?) async throws {
        try await client.withTransaction { conn in
            _ = try conn.execute("DELETE FROM product_forecast_data WHERE category = \(category)")
            guard !products.isEmpty else { return }
            // One COPY for the category's rows: a category may hold thousands of products.
            _ = try conn.copyFrom("""
                COPY product_forecast_data (category, product_id, forecast_date, forecast_value, lower_80, upper_80,
                                            lower_bound, upper_bound, reconciliation, base, batch_num) FROM STDIN
                """) { writer in
                for product in products {
                    for p in product.points {
                        try writer.appendRow([
                            category, product.productID, p.date, Money.format(p.value), p.lower80.map(Money.format),
                            p.upper80.map(Money.format), p.lower95.map(Money.format), p.upper95.map(Money.format),
                            reconciliation, product.base, batchNum,
                        ])
                    }
                }
            }
        }
    }

}
