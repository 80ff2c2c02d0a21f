//! The catalog's search index: every product and category folded from the catalog's events,
//! with the stock Inventory last reported, held in this process's memory; tantivy indexes
//! the text (BM25 over exact terms, Levenshtein and prefix terms for typos and
//! search-as-you-type). Filters, sorts and facet counts run over the products in memory,
//! so the same events give the same answers on SQLite and PostgreSQL.
//!
//! Each process keeps its own copy, rebuilt from the events when it starts (what
//! `projections rebuild` does for a table-backed read model). It follows new events the way
//! projections do (this process's appends at once, other processes' within the poll
//! interval), and stock levels as this process's handler records them, re-reading the
//! `stock_levels` table every few seconds for those another process recorded.

use crate::events::{CatalogEvent, legacy_slug};
use crate::read_model::{CategoryView, Shown, tree_order};
use contracts::catalog::ProductStatus;
use contracts::views::{ProductView, StockStatus};
use kernel::error::ApiError;
use kernel::event_store::{EventStore, Position, RecordedEvent, StoreError};
use kernel::messaging::AppendWaiter;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Events read per catch-up batch.
const BATCH: i64 = 500;
/// How often stock levels recorded by another process are picked up.
const STOCK_REFRESH: Duration = Duration::from_secs(5);
/// Words of a query that count; the rest are ignored.
const MAX_QUERY_WORDS: usize = 8;
/// The analyzer of every text field and of queries: words of letters and digits, lower
/// case, accents folded ("Über" finds "uber").
const ANALYZER: &str = "folded";
/// What a word matched only through a typo or as a prefix adds to a product's score: less
/// than any exact match in a name, so exact matches rank first.
const FUZZY_BOOST: f32 = 0.5;
/// Lower bounds of the price bands facet, in minor units: under 10, 10–25, 25–50, 50–100,
/// 100–250 and 250 or more in the major unit.
const PRICE_BANDS: [i64; 6] = [0, 1_000, 2_500, 5_000, 10_000, 25_000];

/// The order of search results; ties always go to the older product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(name = "ProductSort")]
pub(crate) enum SearchSort {
    /// Best match first; without words, the order products were added in.
    #[default]
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Most recently added first.
    Newest,
    /// By name, A to Z.
    Name,
}

impl SearchSort {
    fn tag(self) -> &'static str {
        match self {
            SearchSort::Relevance => "r",
            SearchSort::PriceAsc => "pa",
            SearchSort::PriceDesc => "pd",
            SearchSort::Newest => "n",
            SearchSort::Name => "a",
        }
    }
}

/// One search: the words, the filters, the order and the page.
#[derive(Debug, Clone)]
pub(crate) struct SearchRequest {
    pub(crate) text: String,
    /// Only products of this category or one below it.
    pub(crate) category: Option<Uuid>,
    /// Lowest and highest unit price, in minor units, both included.
    pub(crate) price_min: Option<i64>,
    pub(crate) price_max: Option<i64>,
    /// Only products a shopper can buy now.
    pub(crate) in_stock: bool,
    pub(crate) sort: SearchSort,
    /// The `next_cursor` of the previous page.
    pub(crate) cursor: Option<String>,
    pub(crate) limit: usize,
    pub(crate) shown: Shown,
}

impl SearchRequest {
    /// Everything that shapes the answer, as one string (the shown products aside: only
    /// shoppers' answers are cached).
    pub(crate) fn cache_key(&self) -> String {
        let optional = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}",
            self.sort.tag(),
            self.limit,
            self.category.map(|c| c.to_string()).unwrap_or_default(),
            optional(self.price_min),
            optional(self.price_max),
            self.in_stock,
            self.cursor.as_deref().unwrap_or_default(),
            self.text.trim().to_lowercase(),
        )
    }
}

/// A page of results with the counts that help narrow them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchPage {
    /// The products, in the requested order.
    pub(crate) items: Vec<ProductView>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub(crate) next_cursor: Option<String>,
    /// How many products match, over every page.
    pub(crate) total: usize,
    /// Counts over the matches, each ignoring its own filter (so a shopper sees what choosing
    /// another value would give).
    pub(crate) facets: Facets,
    /// Each item's own cursor (the page after it), for GraphQL's edges; REST gives only the
    /// page's `next_cursor`.
    #[serde(skip)]
    pub(crate) cursors: Vec<String>,
}

/// Facet counts of a search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct Facets {
    /// Matches per category, products of the categories below it included; only categories
    /// with matches, in tree order.
    pub(crate) categories: Vec<CategoryCount>,
    /// Matches per price band, every band listed.
    pub(crate) price_bands: Vec<PriceBandCount>,
    /// Matches a shopper can buy now, and those they cannot.
    pub(crate) availability: Availability,
}

/// How many matches are in one category or below it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct CategoryCount {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    /// Slugs from the top down ("kitchen/knives").
    pub(crate) path: String,
    /// 0 at the top.
    pub(crate) depth: i32,
    pub(crate) count: usize,
}

/// How many matches cost from `min_minor` up to (not including) `max_minor`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "PriceBandCount")]
pub(crate) struct PriceBandCount {
    pub(crate) min_minor: i64,
    /// `null` for the top band.
    pub(crate) max_minor: Option<i64>,
    pub(crate) count: usize,
}

/// Matches by whether they can be bought now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct Availability {
    pub(crate) in_stock: usize,
    pub(crate) out_of_stock: usize,
}

/// A product's suggestion for the search box.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct ProductSuggestion {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) slug: String,
}

/// What the search box offers for what has been typed so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct Suggestions {
    /// Best-matching products on sale.
    pub(crate) products: Vec<ProductSuggestion>,
    /// Categories whose name starts with (or nearly matches) a typed word.
    pub(crate) categories: Vec<CategoryView>,
}

/// Why the index could not be built or brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Reading the catalog's events or stock levels failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Tantivy failed (in memory: only on a bug or exhausted memory).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

impl From<sqlx::Error> for SearchError {
    fn from(error: sqlx::Error) -> Self {
        SearchError::Store(StoreError::Database(error))
    }
}

/// The index; clones share it.
#[derive(Clone)]
pub(crate) struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    store: EventStore,
    text: TextIndex,
    state: RwLock<State>,
    /// Bumped by every change a search could see: what cached answers are keyed by.
    generation: AtomicU64,
    /// This copy of the index among all processes' copies (a shared Redis cache must not
    /// serve one process's answer in another, whose index may be at another point).
    instance: Uuid,
    progress: watch::Sender<Position>,
    /// One catch-up at a time, holding where the last one stopped.
    cursor: tokio::sync::Mutex<Position>,
}

/// Stock as Inventory last reported it, and from which version of its stock item.
#[derive(Debug, Clone, Copy)]
struct ReportedStock {
    available: i64,
    low_stock: bool,
    version: i64,
}

/// A product as the index holds it.
struct Entry {
    view: ProductView,
    deleted: bool,
    initial_stock: i64,
    reported: Option<ReportedStock>,
    /// The name in lower case, for the name sort.
    sort_name: String,
}

impl Entry {
    fn refresh_stock(&mut self) {
        let (available, low_stock) = match self.reported {
            Some(reported) => (reported.available, reported.low_stock),
            None => (self.initial_stock, false),
        };
        self.view.available = available;
        self.view.stock_status = StockStatus::of(available, low_stock);
    }
}

/// A category as the index holds it.
struct Node {
    name: String,
    slug: String,
    parent: Option<Uuid>,
    position: i32,
}

#[derive(Default)]
struct State {
    /// Products by slot (their number in the text index), in the order they were added.
    products: Vec<Entry>,
    slots: HashMap<Uuid, u64>,
    categories: HashMap<Uuid, Node>,
    /// Each category with those above it, itself first.
    lineage: HashMap<Uuid, Vec<Uuid>>,
}

impl State {
    fn entry(&mut self, id: Uuid) -> Option<&mut Entry> {
        let slot = *self.slots.get(&id)?;
        self.products.get_mut(usize::try_from(slot).ok()?)
    }

    fn refresh_lineage(&mut self) {
        self.lineage = self
            .categories
            .keys()
            .map(|id| {
                let mut line = vec![*id];
                let mut current = self.categories.get(id).and_then(|node| node.parent);
                while let Some(parent) = current.filter(|_| line.len() <= self.categories.len()) {
                    line.push(parent);
                    current = self.categories.get(&parent).and_then(|node| node.parent);
                }
                (*id, line)
            })
            .collect();
    }

    fn category_view(&self, id: Uuid) -> Option<CategoryView> {
        let node = self.categories.get(&id)?;
        let line = self.lineage.get(&id)?;
        let path: Vec<&str> =
            line.iter().rev().filter_map(|c| self.categories.get(c)).map(|c| c.slug.as_str()).collect();
        Some(CategoryView {
            id,
            name: node.name.clone(),
            slug: node.slug.clone(),
            parent_id: node.parent,
            position: node.position,
            path: path.join("/"),
            depth: i32::try_from(line.len()).unwrap_or(i32::MAX) - 1,
        })
    }
}

/// What a text change does to the tantivy index.
enum TextChange {
    Put(u64),
    Remove(u64),
}

struct Fields {
    slot: Field,
    name: Field,
    sku: Field,
    attributes: Field,
    description: Field,
    /// Every word of the others, for typo and prefix matching.
    all: Field,
}

struct TextIndex {
    index: Index,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    fields: Fields,
}

impl TextIndex {
    fn new() -> tantivy::Result<TextIndex> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            slot: schema.add_u64_field("slot", INDEXED | FAST),
            name: schema.add_text_field("name", text.clone()),
            sku: schema.add_text_field("sku", text.clone()),
            attributes: schema.add_text_field("attributes", text.clone()),
            description: schema.add_text_field("description", text.clone()),
            all: schema.add_text_field("all", text),
        };
        let index = Index::create_in_ram(schema.build());
        let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        index.tokenizers().register(ANALYZER, analyzer);
        // One indexing thread with tantivy's smallest budget: the catalog changes rarely.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(TextIndex { index, writer: Mutex::new(writer), reader, fields })
    }

    /// Writes `changes` (the products as `state` now holds them) and makes them searchable.
    fn apply(&self, state: &State, changes: &[TextChange]) -> tantivy::Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for change in changes {
            let slot = match change {
                TextChange::Put(slot) | TextChange::Remove(slot) => *slot,
            };
            writer.delete_term(Term::from_field_u64(self.fields.slot, slot));
            let entry = usize::try_from(slot).ok().and_then(|i| state.products.get(i));
            if let (TextChange::Put(_), Some(entry)) = (change, entry) {
                writer.add_document(self.document(slot, &entry.view))?;
            }
        }
        writer.commit()?;
        self.reader.reload()
    }

    fn document(&self, slot: u64, product: &ProductView) -> TantivyDocument {
        let f = &self.fields;
        let attributes: Vec<&str> = product.attributes.iter().map(|a| a.value.as_str()).collect();
        let attributes = attributes.join(" ");
        let all = format!("{} {} {} {}", product.name, product.sku, attributes, product.description);
        let mut document = TantivyDocument::default();
        document.add_u64(f.slot, slot);
        document.add_text(f.name, &product.name);
        document.add_text(f.sku, &product.sku);
        document.add_text(f.attributes, &attributes);
        document.add_text(f.description, &product.description);
        document.add_text(f.all, &all);
        document
    }

    /// The words of `text` as the index splits them.
    fn words(&self, text: &str) -> Vec<String> {
        let Some(mut analyzer) = self.index.tokenizers().get(ANALYZER) else { return Vec::new() };
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() && words.len() < MAX_QUERY_WORDS {
            words.push(stream.token().text.clone());
        }
        words
    }

    /// Every word must match a field exactly (scored by BM25, a name weighing most), within
    /// its typo budget, or, for the last word, as the start of a word.
    fn query(&self, words: &[String]) -> BooleanQuery {
        let f = &self.fields;
        let last = words.len().saturating_sub(1);
        let clauses = words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> =
                    [(f.name, 3.0), (f.sku, 2.0), (f.attributes, 1.5), (f.description, 1.0)]
                        .into_iter()
                        .map(|(field, boost)| {
                            let exact =
                                TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs);
                            (Occur::Should, Box::new(BoostQuery::new(Box::new(exact), boost)) as Box<dyn Query>)
                        })
                        .collect();
                let any = Term::from_field_text(f.all, word);
                let typos = typo_budget(word);
                if typos > 0 {
                    let near = FuzzyTermQuery::new(any.clone(), typos, true);
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(near), FUZZY_BOOST))));
                }
                if i == last {
                    let start = FuzzyTermQuery::new_prefix(any, typos, true);
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(start), FUZZY_BOOST))));
                }
                (Occur::Must, Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
            })
            .collect();
        BooleanQuery::new(clauses)
    }

    /// Every product slot matching `words`, with its score.
    fn matches(&self, words: &[String]) -> tantivy::Result<Vec<(u64, Score)>> {
        self.reader.searcher().search(&self.query(words), &AllMatches { slot: "slot" })
    }
}

/// Typos forgiven in a word: none under 4 letters, one up to 7, two from 8.
fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Collects every matching document's slot and score (facets need all matches, not the top).
struct AllMatches {
    slot: &'static str,
}

struct SegmentMatches {
    slots: Column<u64>,
    found: Vec<(u64, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentMatches;

    fn for_segment(&self, _segment: u32, reader: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches { slots: reader.fast_fields().u64(self.slot)?, found: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Vec<(u64, Score)>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(slot) = self.slots.first(doc) {
            self.found.push((slot, score));
        }
    }

    fn harvest(self) -> Vec<(u64, Score)> {
        self.found
    }
}

/// A match on its way to the page.
struct Hit<'a> {
    entry: &'a Entry,
    score: Score,
}

/// Where the previous page ended: the last item's sort key and id.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    sort: SearchSort,
    score: Score,
    price: i64,
    name: String,
    id: Uuid,
}

impl Cursor {
    fn of(sort: SearchSort, hit: &Hit<'_>) -> Cursor {
        Cursor {
            sort,
            score: hit.score,
            price: hit.entry.view.price.amount_minor,
            name: hit.entry.sort_name.clone(),
            id: hit.entry.view.id,
        }
    }

    fn encode(&self) -> String {
        let key = match self.sort {
            SearchSort::Relevance => self.score.to_bits().to_string(),
            SearchSort::PriceAsc | SearchSort::PriceDesc => self.price.to_string(),
            SearchSort::Newest => String::new(),
            SearchSort::Name => self.name.clone(),
        };
        format!("{}~{key}~{}", self.sort.tag(), self.id)
    }

    fn decode(text: &str, sort: SearchSort) -> Result<Cursor, ApiError> {
        let refused = || ApiError::bad_request("cursor is not one this API issued for this sort");
        let (tag, rest) = text.split_once('~').ok_or_else(refused)?;
        let (key, id) = rest.rsplit_once('~').ok_or_else(refused)?;
        if tag != sort.tag() {
            return Err(refused());
        }
        let id = Uuid::parse_str(id).map_err(|_| refused())?;
        let mut cursor = Cursor { sort, score: 0.0, price: 0, name: String::new(), id };
        match sort {
            SearchSort::Relevance => cursor.score = Score::from_bits(key.parse().map_err(|_| refused())?),
            SearchSort::PriceAsc | SearchSort::PriceDesc => cursor.price = key.parse().map_err(|_| refused())?,
            SearchSort::Newest => {}
            SearchSort::Name => key.clone_into(&mut cursor.name),
        }
        Ok(cursor)
    }
}

/// The order of `sort` between two keys (score, price, name, id); ties go to the lower id.
fn compare(sort: SearchSort, a: (Score, i64, &str, Uuid), b: (Score, i64, &str, Uuid)) -> Ordering {
    let primary = match sort {
        SearchSort::Relevance => b.0.total_cmp(&a.0),
        SearchSort::PriceAsc => a.1.cmp(&b.1),
        SearchSort::PriceDesc => b.1.cmp(&a.1),
        SearchSort::Newest => b.3.cmp(&a.3),
        SearchSort::Name => a.2.cmp(b.2),
    };
    primary.then(a.3.cmp(&b.3))
}

fn hit_key<'a>(hit: &Hit<'a>) -> (Score, i64, &'a str, Uuid) {
    (hit.score, hit.entry.view.price.amount_minor, hit.entry.sort_name.as_str(), hit.entry.view.id)
}

fn cursor_key(cursor: &Cursor) -> (Score, i64, &str, Uuid) {
    (cursor.score, cursor.price, cursor.name.as_str(), cursor.id)
}

fn price_band(amount_minor: i64) -> usize {
    PRICE_BANDS.iter().rposition(|low| amount_minor >= *low).unwrap_or(0)
}

impl SearchIndex {
    /// An empty index over `store`'s events; [`SearchIndex::catch_up`] fills it.
    pub(crate) fn new(store: EventStore) -> Result<SearchIndex, SearchError> {
        let text = TextIndex::new()?;
        let (progress, _) = watch::channel(Position::default());
        let inner = Inner {
            store,
            text,
            state: RwLock::new(State::default()),
            generation: AtomicU64::new(0),
            instance: Uuid::new_v4(),
            progress,
            cursor: tokio::sync::Mutex::new(Position::default()),
        };
        Ok(SearchIndex { inner: Arc::new(inner) })
    }

    /// Applies every catalog event recorded since the last catch-up.
    pub(crate) async fn catch_up(&self) -> Result<usize, SearchError> {
        let mut after = self.inner.cursor.lock().await;
        let mut applied = 0;
        loop {
            let events = self.inner.store.read_all(*after, BATCH).await?;
            let Some(last) = events.last().map(|e| e.position) else { break };
            self.apply(&events)?;
            applied += events.len();
            *after = last;
            self.inner.progress.send_replace(last);
            if events.len() < BATCH as usize {
                break;
            }
        }
        self.inner.progress.send_replace(*after);
        Ok(applied)
    }

    fn apply(&self, events: &[RecordedEvent]) -> Result<(), SearchError> {
        let mut state = self.inner.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut changes = Vec::new();
        let mut categories_changed = false;
        for event in events {
            let Some(catalog_event) = event.decode_known::<CatalogEvent>()? else { continue };
            categories_changed |= apply_event(&mut state, catalog_event, event, &mut changes);
        }
        if categories_changed {
            state.refresh_lineage();
        }
        self.inner.text.apply(&state, &changes)?;
        self.inner.generation.fetch_add(1, AtomicOrdering::Release);
        Ok(())
    }

    /// Records a stock level Inventory reported (this process's handler calls it after its
    /// commit); an older report than the one held changes nothing.
    pub(crate) fn stock_changed(&self, product_id: Uuid, available: i64, low_stock: bool, version: i64) {
        let mut state = self.inner.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entry) = state.entry(product_id)
            && entry.reported.is_none_or(|held| held.version < version)
        {
            entry.reported = Some(ReportedStock { available, low_stock, version });
            entry.refresh_stock();
            self.inner.generation.fetch_add(1, AtomicOrdering::Release);
        }
    }

    /// Re-reads every stock level, for those recorded by another process.
    pub(crate) async fn reload_stock(&self) -> Result<(), SearchError> {
        let rows = sqlx::query("select product_id, available, low_stock, source_version from stock_levels")
            .fetch_all(self.inner.store.db().reader())
            .await?;
        for row in rows {
            let Ok(product_id) = Uuid::parse_str(&row.try_get::<String, _>("product_id")?) else { continue };
            let low_stock = row.try_get::<i32, _>("low_stock")? != 0;
            self.stock_changed(product_id, row.try_get("available")?, low_stock, row.try_get("source_version")?);
        }
        Ok(())
    }

    /// Changes with every change a search could see, and differs between processes: an
    /// answer cached under one generation is never served after the next, nor elsewhere.
    pub(crate) fn generation(&self) -> String {
        format!("{}.{}", self.inner.instance.simple(), self.inner.generation.load(AtomicOrdering::Acquire))
    }

    /// Waits (at most `timeout`) until the index includes the event at `position`.
    pub(crate) async fn wait_for(&self, position: Position, timeout: Duration) -> bool {
        let mut progress = self.inner.progress.subscribe();
        tokio::time::timeout(timeout, progress.wait_for(|reached| *reached >= position)).await.is_ok_and(|r| r.is_ok())
    }

    /// Keeps the index up to date until cancelled.
    pub(crate) async fn run(self, cancel: CancellationToken) {
        let mut appends = AppendWaiter::new(&self.inner.store);
        let mut stock = tokio::time::interval(STOCK_REFRESH);
        while !cancel.is_cancelled() {
            if let Err(error) = self.catch_up().await {
                tracing::error!(%error, "the search index could not read the catalog's events; retrying");
            }
            tokio::select! {
                () = appends.wait(&cancel) => {}
                _ = stock.tick() => {
                    if let Err(error) = self.reload_stock().await {
                        tracing::warn!(%error, "the search index could not re-read stock levels");
                    }
                }
            }
        }
    }

    /// Runs `request`.
    pub(crate) fn search(&self, request: &SearchRequest) -> Result<SearchPage, ApiError> {
        let cursor = request.cursor.as_deref().filter(|c| !c.is_empty()).map(|c| Cursor::decode(c, request.sort));
        let cursor = cursor.transpose()?;
        let words = self.inner.text.words(&request.text);
        let matches = if words.is_empty() {
            None
        } else {
            Some(self.inner.text.matches(&words).map_err(|e| ApiError::internal(&e))?)
        };
        let state = self.inner.state.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let scored: Box<dyn Iterator<Item = (&Entry, Score)>> = match &matches {
            Some(matches) => Box::new(matches.iter().filter_map(|(slot, score)| {
                let entry = state.products.get(usize::try_from(*slot).ok()?)?;
                Some((entry, *score))
            })),
            None => Box::new(state.products.iter().map(|entry| (entry, 0.0))),
        };
        let mut facets = FacetCounter::new(&state);
        let mut hits = Vec::new();
        for (entry, score) in scored {
            if !request.shown.includes(entry.view.status, entry.deleted) {
                continue;
            }
            let in_category = request.category.is_none_or(|wanted| {
                entry.view.category_id.is_some_and(|c| state.lineage.get(&c).is_some_and(|line| line.contains(&wanted)))
            });
            let price = entry.view.price.amount_minor;
            let in_price =
                request.price_min.is_none_or(|min| price >= min) && request.price_max.is_none_or(|max| price <= max);
            let available = entry.view.available > 0;
            let in_stock = !request.in_stock || available;
            facets.count(entry, in_category, in_price, in_stock);
            if in_category && in_price && in_stock {
                hits.push(Hit { entry, score });
            }
        }
        let total = hits.len();
        if let Some(cursor) = &cursor {
            hits.retain(|hit| compare(request.sort, hit_key(hit), cursor_key(cursor)) == Ordering::Greater);
        }
        let order = |a: &Hit<'_>, b: &Hit<'_>| compare(request.sort, hit_key(a), hit_key(b));
        if hits.len() > request.limit + 1 {
            hits.select_nth_unstable_by(request.limit, order);
            hits.truncate(request.limit + 1);
        }
        hits.sort_unstable_by(order);
        let next_cursor =
            (hits.len() > request.limit).then(|| Cursor::of(request.sort, &hits[request.limit - 1]).encode());
        hits.truncate(request.limit);
        Ok(SearchPage {
            items: hits.iter().map(|hit| hit.entry.view.clone()).collect(),
            cursors: hits.iter().map(|hit| Cursor::of(request.sort, hit).encode()).collect(),
            next_cursor,
            total,
            facets: facets.finish(&state),
        })
    }

    /// What the search box offers for `text`: up to `limit` products on sale (best match
    /// first) and the categories a typed word starts or nearly spells.
    pub(crate) fn suggest(&self, text: &str, limit: usize) -> Result<Suggestions, ApiError> {
        let request = SearchRequest {
            text: text.to_owned(),
            category: None,
            price_min: None,
            price_max: None,
            in_stock: false,
            sort: SearchSort::Relevance,
            cursor: None,
            limit,
            shown: Shown::OnSale,
        };
        let words = self.inner.text.words(text);
        if words.is_empty() {
            return Ok(Suggestions { products: Vec::new(), categories: Vec::new() });
        }
        let page = self.search(&request)?;
        let products = page
            .items
            .into_iter()
            .map(|product| ProductSuggestion { id: product.id, name: product.name, slug: product.slug })
            .collect();
        let state = self.inner.state.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut categories: Vec<CategoryView> = state
            .categories
            .iter()
            .filter(|(_, node)| {
                let names = self.inner.text.words(&node.name);
                words.iter().any(|word| names.iter().any(|name| starts_near(word, name)))
            })
            .filter_map(|(id, _)| state.category_view(*id))
            .collect();
        categories = tree_order(categories);
        categories.truncate(limit);
        Ok(Suggestions { products, categories })
    }
}

/// Whether `typed` is the start of `word`, within its typo budget ("hedph" of
/// "headphones", "kitchn" of "kitchen").
fn starts_near(typed: &str, word: &str) -> bool {
    let budget = usize::from(typo_budget(typed));
    let length = typed.chars().count();
    let lengths = length.saturating_sub(budget)..=length + budget;
    lengths.into_iter().any(|n| {
        let start: String = word.chars().take(n).collect();
        start.chars().count() == n && levenshtein(typed, &start) <= budget
    })
}

/// Edit distance between two short words.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Counts facets while a search walks its matches.
struct FacetCounter {
    categories: HashMap<Uuid, usize>,
    price_bands: [usize; PRICE_BANDS.len()],
    availability: Availability,
}

impl FacetCounter {
    fn new(state: &State) -> FacetCounter {
        FacetCounter {
            categories: HashMap::with_capacity(state.categories.len()),
            price_bands: [0; PRICE_BANDS.len()],
            availability: Availability::default(),
        }
    }

    /// Counts `entry` in each facet whose other filters it passes.
    fn count(&mut self, entry: &Entry, in_category: bool, in_price: bool, in_stock: bool) {
        if in_price && in_stock {
            // Its category and every one above it (counted by the caller's lineage below).
            if let Some(category) = entry.view.category_id {
                *self.categories.entry(category).or_default() += 1;
            }
        }
        if in_category && in_stock {
            self.price_bands[price_band(entry.view.price.amount_minor)] += 1;
        }
        if in_category && in_price {
            if entry.view.available > 0 {
                self.availability.in_stock += 1;
            } else {
                self.availability.out_of_stock += 1;
            }
        }
    }

    fn finish(self, state: &State) -> Facets {
        let mut totals: HashMap<Uuid, usize> = HashMap::new();
        for (category, count) in &self.categories {
            for above in state.lineage.get(category).into_iter().flatten() {
                *totals.entry(*above).or_default() += count;
            }
        }
        let counted: Vec<CategoryView> = totals.keys().filter_map(|id| state.category_view(*id)).collect();
        let categories = tree_order(counted)
            .into_iter()
            .map(|view| CategoryCount {
                count: totals[&view.id],
                id: view.id,
                name: view.name,
                path: view.path,
                depth: view.depth,
            })
            .collect();
        let price_bands = PRICE_BANDS
            .iter()
            .enumerate()
            .map(|(i, min)| PriceBandCount {
                min_minor: *min,
                max_minor: PRICE_BANDS.get(i + 1).copied(),
                count: self.price_bands[i],
            })
            .collect();
        Facets { categories, price_bands, availability: self.availability }
    }
}

/// Folds one event into `state`, noting the text changes; answers whether a category changed.
fn apply_event(
    state: &mut State,
    event: CatalogEvent,
    recorded: &RecordedEvent,
    changes: &mut Vec<TextChange>,
) -> bool {
    match event {
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
            if state.slots.contains_key(&product_id) {
                return false;
            }
            let slot = state.products.len() as u64;
            let mut entry = Entry {
                sort_name: name.to_lowercase(),
                view: ProductView {
                    id: product_id,
                    slug: if slug.is_empty() { legacy_slug(&sku) } else { slug },
                    sku,
                    name,
                    status,
                    description,
                    category_id,
                    attributes,
                    price,
                    weight_grams: i64::from(weight_grams),
                    available: 0,
                    stock_status: StockStatus::OutOfStock,
                    images: Vec::new(),
                    created_at: kernel::time::format(recorded.recorded_at),
                },
                deleted: false,
                initial_stock: i64::from(initial_stock),
                reported: None,
            };
            entry.refresh_stock();
            state.products.push(entry);
            state.slots.insert(product_id, slot);
            changes.push(TextChange::Put(slot));
        }
        CatalogEvent::ProductUpdated { product_id, name, slug, description, category_id, weight_grams, attributes } => {
            let slot = state.slots.get(&product_id).copied();
            if let (Some(entry), Some(slot)) = (state.entry(product_id), slot) {
                entry.sort_name = name.to_lowercase();
                let view = &mut entry.view;
                (view.name, view.slug, view.description, view.category_id) = (name, slug, description, category_id);
                (view.weight_grams, view.attributes) = (i64::from(weight_grams), attributes);
                changes.push(TextChange::Put(slot));
            }
        }
        CatalogEvent::ProductPriceChanged { product_id, new_price, .. } => set_price(state, product_id, new_price),
        CatalogEvent::ProductStatusChanged { product_id, status } => set_status(state, product_id, status),
        CatalogEvent::ProductDeleted { product_id } => {
            let slot = state.slots.get(&product_id).copied();
            if let (Some(entry), Some(slot)) = (state.entry(product_id), slot) {
                entry.deleted = true;
                changes.push(TextChange::Remove(slot));
            }
        }
        CatalogEvent::ProductImageAdded { product_id, image_id, encoding, width, height, alt } => {
            if let Some(entry) = state.entry(product_id) {
                entry.view.images.push(crate::images::view(image_id, encoding, width, height, alt));
            }
        }
        CatalogEvent::ProductImageRemoved { product_id, image_id } => {
            if let Some(entry) = state.entry(product_id) {
                entry.view.images.retain(|image| image.id != image_id);
            }
        }
        CatalogEvent::CategoryCreated { category_id, name, slug, parent_id, position }
        | CatalogEvent::CategoryUpdated { category_id, name, slug, parent_id, position } => {
            state.categories.insert(category_id, Node { name, slug, parent: parent_id, position });
            return true;
        }
    }
    false
}

fn set_price(state: &mut State, product_id: Uuid, price: Money) {
    if let Some(entry) = state.entry(product_id) {
        entry.view.price = price;
    }
}

fn set_status(state: &mut State, product_id: Uuid, status: ProductStatus) {
    if let Some(entry) = state.entry(product_id) {
        entry.view.status = status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_forgiven_by_word_length() {
        assert_eq!(typo_budget("mug"), 0);
        assert_eq!(typo_budget("knif"), 1);
        assert_eq!(typo_budget("hedphones"), 2);
        assert_eq!(levenshtein("hedphones", "headphones"), 1);
        assert!(starts_near("kitchn", "kitchen"));
        assert!(starts_near("hedph", "headphones"));
        assert!(starts_near("tea", "teapot"));
        assert!(!starts_near("tee", "teapot"), "short words must be exact");
    }

    #[test]
    fn a_cursor_names_its_sort_and_round_trips() {
        let cursor =
            Cursor { sort: SearchSort::Name, score: 0.0, price: 0, name: "chef~s knife".into(), id: Uuid::nil() };
        assert_eq!(Cursor::decode(&cursor.encode(), SearchSort::Name).unwrap(), cursor);
        assert!(Cursor::decode(&cursor.encode(), SearchSort::PriceAsc).is_err(), "another sort's cursor is refused");
        assert!(Cursor::decode("garbage", SearchSort::Name).is_err());
        let scored =
            Cursor { sort: SearchSort::Relevance, score: 1.25, price: 0, name: String::new(), id: Uuid::nil() };
        assert_eq!(Cursor::decode(&scored.encode(), SearchSort::Relevance).unwrap().score, 1.25);
    }

    #[test]
    fn prices_fall_in_bands() {
        assert_eq!(price_band(0), 0);
        assert_eq!(price_band(999), 0);
        assert_eq!(price_band(1_000), 1);
        assert_eq!(price_band(30_000), 5);
    }
}
