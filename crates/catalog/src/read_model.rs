//! The `products` and `categories` read models shoppers browse.

use crate::events::CatalogEvent;
use async_trait::async_trait;
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

pub(crate) use contracts::views::{ProductView, StockStatus};

/// Read-model tables. Stock levels sit in their own table because Inventory, not the
/// catalog's events, feeds them: rebuilding `products` must not forget them.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "products, categories and stock levels read models",
        sqlite: SCHEMA,
        postgres: SCHEMA,
    },
    // The stock item's stream version of the level kept, so an older message arriving late
    // (PostgreSQL catch-up order) cannot replace a newer level.
    Migration {
        version: 2,
        description: "stock levels remember the version they come from",
        sqlite: STOCK_LEVEL_VERSION,
        postgres: STOCK_LEVEL_VERSION,
    },
];

const STOCK_LEVEL_VERSION: &str = "alter table stock_levels add column source_version bigint not null default 0;";

const SCHEMA: &str = "
    create table products (
        id text primary key,
        sku text not null,
        name text not null,
        description text not null,
        category_id text,
        price_minor bigint not null,
        currency text not null,
        weight_grams bigint not null,
        initial_stock bigint not null,
        created_at text not null
    );
    create index products_category on products (category_id, id);
    create table categories (
        id text primary key,
        name text not null,
        slug text not null
    );
    create table stock_levels (
        product_id text primary key,
        available bigint not null,
        low_stock integer not null
    );
";

/// Keeps `products` and `categories` from catalog events.
pub(crate) struct ProductsProjection;

#[async_trait]
impl Projection for ProductsProjection {
    fn name(&self) -> &'static str {
        "catalog_products"
    }

    async fn apply(&self, conn: &mut sqlx::AnyConnection, event: &RecordedEvent) -> Result<(), StoreError> {
        match event.decode_known::<CatalogEvent>()? {
            Some(CatalogEvent::ProductCreated {
                product_id,
                sku,
                name,
                description,
                category_id,
                price,
                weight_grams,
                initial_stock,
            }) => {
                sqlx::query(
                    "insert into products (id, sku, name, description, category_id, price_minor, currency, \
                     weight_grams, initial_stock, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(product_id.to_string())
                .bind(sku)
                .bind(name)
                .bind(description)
                .bind(category_id.map(|c| c.to_string()))
                .bind(price.amount_minor)
                .bind(price.currency.to_string())
                .bind(i64::from(weight_grams))
                .bind(i64::from(initial_stock))
                .bind(kernel::time::format(event.recorded_at))
                .execute(conn)
                .await?;
            }
            Some(CatalogEvent::CategoryCreated { category_id, name, slug }) => {
                sqlx::query("insert into categories (id, name, slug) values ($1, $2, $3)")
                    .bind(category_id.to_string())
                    .bind(name)
                    .bind(slug)
                    .execute(conn)
                    .await?;
            }
            None => {}
        }
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["products", "categories"]
    }
}

const SELECT_PRODUCT: &str = "select p.id, p.sku, p.name, p.description, p.category_id, p.price_minor, p.currency, \
     p.weight_grams, p.initial_stock, p.created_at, s.available, s.low_stock \
     from products p left join stock_levels s on s.product_id = p.id";

fn product_from_row(row: &AnyRow) -> Result<ProductView, sqlx::Error> {
    let uuid = |text: String| Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)));
    let currency: String = row.try_get("currency")?;
    // Until Inventory reports, the stock the product was created with is the best answer.
    let reported: Option<i64> = row.try_get("available")?;
    let available = match reported {
        Some(available) => available,
        None => row.try_get("initial_stock")?,
    };
    let low_stock = row.try_get::<Option<i32>, _>("low_stock")?.unwrap_or(0) != 0;
    let stock_status = match (available, low_stock) {
        (a, _) if a <= 0 => StockStatus::OutOfStock,
        (_, true) => StockStatus::LowStock,
        _ => StockStatus::InStock,
    };
    Ok(ProductView {
        id: uuid(row.try_get("id")?)?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        category_id: row.try_get::<Option<String>, _>("category_id")?.map(uuid).transpose()?,
        price: Money::new(
            row.try_get("price_minor")?,
            Currency::parse(&currency).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        ),
        weight_grams: row.try_get("weight_grams")?,
        available,
        stock_status,
        created_at: row.try_get("created_at")?,
    })
}

/// One product, if it exists.
pub(crate) async fn product(db: &Db, id: Uuid) -> Result<Option<ProductView>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_PRODUCT} where p.id = $1")))
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(product_from_row).transpose()
}

/// The products among `ids` that exist, in one read (a lookup's whole batch).
pub(crate) async fn products_by_ids(db: &Db, ids: &[Uuid]) -> Result<Vec<ProductView>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!("{SELECT_PRODUCT} where p.id in ({placeholders})");
    let query = ids.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, id| query.bind(id.to_string()));
    let rows = query.fetch_all(db.reader()).await?;
    rows.iter().map(product_from_row).collect()
}

/// Up to `limit` products after `after` in creation order, optionally in one category.
pub(crate) async fn products(
    db: &Db,
    after: Option<Uuid>,
    category: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ProductView>, sqlx::Error> {
    let sql = format!("{SELECT_PRODUCT} where p.id > $1 and ($2 = '' or p.category_id = $2) order by p.id limit $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(category.map(|c| c.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(product_from_row).collect()
}

/// A category as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Category")]
pub(crate) struct CategoryView {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) slug: String,
}

/// Every category, by name.
pub(crate) async fn categories(db: &Db) -> Result<Vec<CategoryView>, sqlx::Error> {
    let rows = sqlx::query("select id, name, slug from categories order by name").fetch_all(db.reader()).await?;
    rows.iter()
        .map(|row| {
            Ok(CategoryView {
                id: Uuid::parse_str(&row.try_get::<String, _>("id")?).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                name: row.try_get("name")?,
                slug: row.try_get("slug")?,
            })
        })
        .collect()
}

/// Whether a category exists.
pub(crate) async fn category_exists(db: &Db, id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar("select id from categories where id = $1")
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?;
    Ok(found.is_some())
}
