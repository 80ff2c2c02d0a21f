//! The `products` and `categories` read models shoppers browse.

use crate::events::{CatalogEvent, legacy_slug};
use async_trait::async_trait;
use contracts::catalog::{ProductAttribute, ProductStatus};
use kernel::db::{Db, Migration};
use kernel::event_store::{RecordedEvent, StoreError};
use kernel::money::{Currency, Money};
use kernel::projection::Projection;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use uuid::Uuid;

use contracts::views::ProductImage;
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
    Migration {
        version: 3,
        description: "product lifecycle (slug, status, attributes, soft delete) and the category tree",
        sqlite: LIFECYCLE_AND_TREE,
        postgres: LIFECYCLE_AND_TREE,
    },
    Migration { version: 4, description: "product galleries", sqlite: GALLERIES, postgres: GALLERIES },
];

/// Each product's pictures as the API shows them (a JSON array, cover first).
const GALLERIES: &str = "alter table products add column images text not null default '[]';";

/// Rows written before this migration are active, top-level and slugged by SKU, as the
/// projection would now write them from the same events.
const LIFECYCLE_AND_TREE: &str = "
    alter table products add column slug text not null default '';
    alter table products add column status text not null default 'active';
    alter table products add column attributes text not null default '[]';
    alter table products add column deleted integer not null default 0;
    alter table products add column updated_at text not null default '';
    update products set slug = lower(replace(sku, '_', '-')), updated_at = created_at;
    create index products_shown on products (deleted, status, id);
    alter table categories add column parent_id text;
    alter table categories add column position integer not null default 0;
    alter table categories add column path text not null default '';
    alter table categories add column depth integer not null default 0;
    update categories set path = slug;
    create index categories_parent on categories (parent_id);
";

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

    async fn apply(&self, conn: &mut kernel::db::Conn, event: &RecordedEvent) -> Result<(), StoreError> {
        let Some(catalog_event) = event.decode_known::<CatalogEvent>()? else { return Ok(()) };
        let at = kernel::time::format(event.recorded_at);
        match catalog_event {
            CatalogEvent::ProductCreated {
                product_id,
                sku,
                name,
                slug,
                description,
                category_id,
                price,
                weight_grams,
                initial_stock,
                status,
                attributes,
            } => {
                sqlx::query(
                    "insert into products (id, sku, name, slug, description, category_id, price_minor, currency, \
                     weight_grams, initial_stock, status, attributes, deleted, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13)",
                )
                .bind(product_id.to_string())
                .bind(sku.clone())
                .bind(name)
                .bind(if slug.is_empty() { legacy_slug(&sku) } else { slug })
                .bind(description)
                .bind(category_id.map(|c| c.to_string()))
                .bind(price.amount_minor)
                .bind(price.currency.to_string())
                .bind(i64::from(weight_grams))
                .bind(i64::from(initial_stock))
                .bind(status.as_str())
                .bind(attributes_json(&attributes)?)
                .bind(at)
                .execute(conn)
                .await?;
            }
            CatalogEvent::ProductUpdated {
                product_id,
                name,
                slug,
                description,
                category_id,
                weight_grams,
                attributes,
            } => {
                sqlx::query(
                    "update products set name = $2, slug = $3, description = $4, category_id = $5, \
                     weight_grams = $6, attributes = $7, updated_at = $8 where id = $1",
                )
                .bind(product_id.to_string())
                .bind(name)
                .bind(slug)
                .bind(description)
                .bind(category_id.map(|c| c.to_string()))
                .bind(i64::from(weight_grams))
                .bind(attributes_json(&attributes)?)
                .bind(at)
                .execute(conn)
                .await?;
            }
            CatalogEvent::ProductPriceChanged { product_id, new_price, .. } => {
                sqlx::query("update products set price_minor = $2, currency = $3, updated_at = $4 where id = $1")
                    .bind(product_id.to_string())
                    .bind(new_price.amount_minor)
                    .bind(new_price.currency.to_string())
                    .bind(at)
                    .execute(conn)
                    .await?;
            }
            CatalogEvent::ProductStatusChanged { product_id, status } => {
                sqlx::query("update products set status = $2, updated_at = $3 where id = $1")
                    .bind(product_id.to_string())
                    .bind(status.as_str())
                    .bind(at)
                    .execute(conn)
                    .await?;
            }
            CatalogEvent::ProductDeleted { product_id } => {
                sqlx::query("update products set deleted = 1, updated_at = $2 where id = $1")
                    .bind(product_id.to_string())
                    .bind(at)
                    .execute(conn)
                    .await?;
            }
            CatalogEvent::ProductImageAdded { product_id, image_id, encoding, width, height, alt } => {
                let image = crate::images::view(image_id, encoding, width, height, alt);
                update_gallery(conn, product_id, &at, |gallery| gallery.push(image)).await?;
            }
            CatalogEvent::ProductImageRemoved { product_id, image_id } => {
                update_gallery(conn, product_id, &at, |gallery| gallery.retain(|image| image.id != image_id)).await?;
            }
            CatalogEvent::CategoryCreated { category_id, name, slug, parent_id, position }
            | CatalogEvent::CategoryUpdated { category_id, name, slug, parent_id, position } => {
                sqlx::query(
                    "insert into categories (id, name, slug, parent_id, position, path, depth) \
                     values ($1, $2, $3, $4, $5, $3, 0) on conflict (id) do update set name = excluded.name, \
                     slug = excluded.slug, parent_id = excluded.parent_id, position = excluded.position",
                )
                .bind(category_id.to_string())
                .bind(name)
                .bind(slug)
                .bind(parent_id.map(|p| p.to_string()))
                .bind(position)
                .execute(&mut *conn)
                .await?;
                refresh_category_paths(conn).await?;
            }
        }
        Ok(())
    }

    fn tables(&self) -> &'static [&'static str] {
        &["products", "categories"]
    }
}

/// Changes a product's gallery as `change` says.
async fn update_gallery(
    conn: &mut kernel::db::Conn,
    product_id: Uuid,
    at: &str,
    change: impl FnOnce(&mut Vec<ProductImage>),
) -> Result<(), StoreError> {
    let id = product_id.to_string();
    let Some(stored) = sqlx::query_scalar::<_, String>("select images from products where id = $1")
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let mut gallery: Vec<ProductImage> = serde_json::from_str(&stored).map_err(StoreError::Decode)?;
    change(&mut gallery);
    sqlx::query("update products set images = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(serde_json::to_string(&gallery).map_err(StoreError::Decode)?)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

fn attributes_json(attributes: &[ProductAttribute]) -> Result<String, StoreError> {
    serde_json::to_string(attributes).map_err(StoreError::Decode)
}

/// Recomputes every category's slug path and depth after one was added or moved: a move
/// changes the paths of its whole subtree. Categories number in the hundreds, so reading
/// them all is cheaper than tracking subtrees.
async fn refresh_category_paths(conn: &mut kernel::db::Conn) -> Result<(), StoreError> {
    let rows = sqlx::query("select id, slug, parent_id, path, depth from categories").fetch_all(&mut *conn).await?;
    let mut nodes = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let node = (
            row.try_get::<String, _>("slug")?,
            row.try_get::<Option<String>, _>("parent_id")?,
            row.try_get::<String, _>("path")?,
            row.try_get::<i32, _>("depth")?,
        );
        nodes.insert(id, node);
    }
    for (id, (_, _, old_path, old_depth)) in &nodes {
        let (path, depth) = slug_path(&nodes, id);
        if path != *old_path || depth != *old_depth {
            sqlx::query("update categories set path = $2, depth = $3 where id = $1")
                .bind(id)
                .bind(path)
                .bind(depth)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

type CategoryNodes = HashMap<String, (String, Option<String>, String, i32)>;

/// `root/child/id's slug` and how deep `id` sits (0 at the top). The write side refuses
/// cycles; the walk is bounded all the same, so a corrupted tree cannot hang the projection.
fn slug_path(nodes: &CategoryNodes, id: &str) -> (String, i32) {
    let mut slugs = Vec::new();
    let mut current = Some(id.to_owned());
    while let Some(at) = current {
        let Some((slug, parent, _, _)) = nodes.get(&at) else { break };
        slugs.push(slug.as_str());
        if slugs.len() > nodes.len() {
            break;
        }
        current = parent.clone();
    }
    slugs.reverse();
    (slugs.join("/"), i32::try_from(slugs.len()).unwrap_or(i32::MAX) - 1)
}

const SELECT_PRODUCT: &str = "select p.id, p.sku, p.name, p.slug, p.description, p.category_id, p.price_minor, \
     p.currency, p.weight_grams, p.initial_stock, p.status, p.attributes, p.images, p.created_at, s.available, s.low_stock \
     from products p left join stock_levels s on s.product_id = p.id";

fn product_from_row(row: &AnyRow) -> Result<ProductView, sqlx::Error> {
    let decode = |e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::Decode(e);
    let uuid = |text: String| Uuid::parse_str(&text).map_err(|e| decode(Box::new(e)));
    let currency: String = row.try_get("currency")?;
    // Until Inventory reports, the stock the product was created with is the best answer.
    let reported: Option<i64> = row.try_get("available")?;
    let available = match reported {
        Some(available) => available,
        None => row.try_get("initial_stock")?,
    };
    let low_stock = row.try_get::<Option<i32>, _>("low_stock")?.unwrap_or(0) != 0;
    let status: String = row.try_get("status")?;
    let attributes: String = row.try_get("attributes")?;
    let images: String = row.try_get("images")?;
    Ok(ProductView {
        id: uuid(row.try_get("id")?)?,
        sku: row.try_get("sku")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        status: ProductStatus::parse(&status)
            .ok_or_else(|| decode(format!("unknown product status {status}").into()))?,
        description: row.try_get("description")?,
        category_id: row.try_get::<Option<String>, _>("category_id")?.map(uuid).transpose()?,
        attributes: serde_json::from_str(&attributes).map_err(|e| decode(Box::new(e)))?,
        price: Money::new(row.try_get("price_minor")?, Currency::parse(&currency).map_err(|e| decode(Box::new(e)))?),
        weight_grams: row.try_get("weight_grams")?,
        available,
        stock_status: StockStatus::of(available, low_stock),
        images: serde_json::from_str(&images).map_err(|e| decode(Box::new(e)))?,
        created_at: row.try_get("created_at")?,
    })
}

/// Which products a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shown {
    /// Shoppers (and anyone not signed in): active products only.
    OnSale,
    /// Admins: every product not deleted, or only those of one status.
    NotDeleted(Option<ProductStatus>),
    /// Admins: the deleted ones.
    Deleted,
}

impl Shown {
    /// Whether a product of `status`, deleted or not, is among those shown.
    pub(crate) fn includes(self, status: ProductStatus, deleted: bool) -> bool {
        match self {
            Shown::OnSale => !deleted && status == ProductStatus::Active,
            Shown::NotDeleted(wanted) => !deleted && wanted.is_none_or(|wanted| wanted == status),
            Shown::Deleted => deleted,
        }
    }

    /// The `where` condition, over `status` as its one parameter (bound to [`Shown::status`]).
    fn condition(self, status: &str) -> String {
        let deleted = if self == Shown::Deleted { 1 } else { 0 };
        format!("p.deleted = {deleted} and ({status} = '' or p.status = {status})")
    }

    /// The status the condition asks for; empty for any.
    fn status(self) -> &'static str {
        match self {
            Shown::OnSale => ProductStatus::Active.as_str(),
            Shown::NotDeleted(Some(status)) => status.as_str(),
            Shown::NotDeleted(None) | Shown::Deleted => "",
        }
    }
}

/// One product, if it exists and `shown` includes it.
pub(crate) async fn product(db: &Db, id: Uuid, shown: Shown) -> Result<Option<ProductView>, sqlx::Error> {
    let sql = format!("{SELECT_PRODUCT} where p.id = $1 and {}", shown.condition("$2"));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(shown.status())
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(product_from_row).transpose()
}

/// The products among `ids` that were ever created, deleted ones included (an order keeps
/// showing what it holds), in one read (a lookup's whole batch).
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

/// A category as the API shows it: its place in the tree included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "Category")]
pub(crate) struct CategoryView {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) slug: String,
    /// The category it sits in; `null` at the top.
    pub(crate) parent_id: Option<Uuid>,
    /// Its place among its siblings (lower first).
    pub(crate) position: i32,
    /// Slugs from the top down to it ("kitchen/knives").
    pub(crate) path: String,
    /// 0 at the top.
    pub(crate) depth: i32,
}

fn category_from_row(row: &AnyRow) -> Result<CategoryView, sqlx::Error> {
    let uuid = |text: String| Uuid::parse_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)));
    Ok(CategoryView {
        id: uuid(row.try_get("id")?)?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        parent_id: row.try_get::<Option<String>, _>("parent_id")?.map(uuid).transpose()?,
        position: row.try_get("position")?,
        path: row.try_get("path")?,
        depth: row.try_get("depth")?,
    })
}

/// Every category, in tree order: each parent before its children, siblings by position
/// then name.
pub(crate) async fn categories(db: &Db) -> Result<Vec<CategoryView>, sqlx::Error> {
    let rows = sqlx::query("select id, name, slug, parent_id, position, path, depth from categories")
        .fetch_all(db.reader())
        .await?;
    let all = rows.iter().map(category_from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(tree_order(all))
}

/// Depth-first order of `all`; a category whose parent is missing counts as top-level.
pub(crate) fn tree_order(mut all: Vec<CategoryView>) -> Vec<CategoryView> {
    all.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
    let known: std::collections::HashSet<Uuid> = all.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<Uuid>, Vec<CategoryView>> = HashMap::new();
    for category in all {
        let parent = category.parent_id.filter(|p| known.contains(p));
        children.entry(parent).or_default().push(category);
    }
    let mut ordered = Vec::with_capacity(known.len());
    let mut stack: Vec<CategoryView> = children.remove(&None).unwrap_or_default().into_iter().rev().collect();
    while let Some(category) = stack.pop() {
        if let Some(below) = children.remove(&Some(category.id)) {
            stack.extend(below.into_iter().rev());
        }
        ordered.push(category);
    }
    ordered
}

/// One category, if it exists.
pub(crate) async fn category(db: &Db, id: Uuid) -> Result<Option<CategoryView>, sqlx::Error> {
    let row = sqlx::query("select id, name, slug, parent_id, position, path, depth from categories where id = $1")
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(category_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: u128, parent: Option<u128>, position: i32, name: &str) -> CategoryView {
        CategoryView {
            id: Uuid::from_u128(id),
            name: name.into(),
            slug: name.into(),
            parent_id: parent.map(Uuid::from_u128),
            position,
            path: String::new(),
            depth: 0,
        }
    }

    #[test]
    fn the_tree_lists_each_parent_before_its_children_and_siblings_by_position() {
        let all = vec![
            category(4, Some(1), 0, "knives"),
            category(2, None, 1, "garden"),
            category(1, None, 0, "kitchen"),
            category(3, Some(1), 0, "cups"),
            category(5, Some(4), 0, "chef"),
            category(6, Some(99), 0, "orphan"),
        ];
        let names: Vec<String> = tree_order(all).into_iter().map(|c| c.name).collect();
        // An orphan counts as top-level, placed by its position among the top.
        assert_eq!(names, ["kitchen", "cups", "knives", "chef", "orphan", "garden"]);
    }

    #[test]
    fn a_slug_path_runs_from_the_top_down() {
        let nodes: CategoryNodes = [
            ("a".to_owned(), ("kitchen".to_owned(), None, String::new(), 0)),
            ("b".to_owned(), ("knives".to_owned(), Some("a".to_owned()), String::new(), 0)),
            ("c".to_owned(), ("loop".to_owned(), Some("c".to_owned()), String::new(), 0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(slug_path(&nodes, "b"), ("kitchen/knives".to_owned(), 1));
        assert_eq!(slug_path(&nodes, "a"), ("kitchen".to_owned(), 0));
        // A cycle (never written, but never hanging either) ends the walk.
        assert!(slug_path(&nodes, "c").1 >= 1);
    }
}
