//! The only things one context may know about another: integration events (past-tense
//! facts) and saga commands, each defined once here with its routing name and version, and
//! the [`views`] the API shows of one context inside another's answers.
//!
//! Routing names are `<publishing context>.<Name>`. A payload change that is not purely
//! additive gets a new `VERSION` and the consumer a way to read the old one.

use kernel::bus::Message;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod shipping_rates;

macro_rules! contract {
    ($name:ident, $type:literal) => {
        impl Message for $name {
            const TYPE: &'static str = $type;
        }
    };
}

/// One product and quantity of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuantity {
    /// The product.
    pub product_id: Uuid,
    /// Units, at least 1.
    pub quantity: u32,
}

/// A delivery address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct Address {
    /// Recipient.
    pub name: String,
    /// Street and number.
    pub line1: String,
    /// Apartment, suite, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
}

/// Catalog's facts.
pub mod catalog {
    use super::*;

    /// A product was added to the catalog (Inventory opens its stock, Orders prices it).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProductCreated {
        /// The product.
        pub product_id: Uuid,
        /// Stock keeping unit.
        pub sku: String,
        /// Display name.
        pub name: String,
        /// Unit price.
        pub price: Money,
        /// Shipping weight of one unit.
        pub weight_grams: u32,
        /// Units in stock when it was created.
        pub initial_stock: u32,
        /// Whether shoppers may see and buy it (products created before statuses existed
        /// were all on sale).
        #[serde(default)]
        pub status: ProductStatus,
    }
    contract!(ProductCreated, "catalog.ProductCreated");

    /// Where a product stands in its life: only an active product is shown and sold.
    #[derive(
        Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::Enum,
    )]
    #[serde(rename_all = "snake_case")]
    pub enum ProductStatus {
        /// Being prepared by an admin; shoppers do not see it.
        Draft,
        /// On sale.
        #[default]
        Active,
        /// No longer sold; kept for order history and for admins.
        Archived,
    }

    impl ProductStatus {
        /// The word stored and sent for it.
        pub fn as_str(self) -> &'static str {
            match self {
                ProductStatus::Draft => "draft",
                ProductStatus::Active => "active",
                ProductStatus::Archived => "archived",
            }
        }

        /// Reads a stored word back.
        pub fn parse(word: &str) -> Option<Self> {
            [ProductStatus::Draft, ProductStatus::Active, ProductStatus::Archived]
                .into_iter()
                .find(|status| status.as_str() == word)
        }
    }

    /// What a product's page says about it besides its name and price (colour, material).
    #[derive(
        Debug,
        Clone,
        PartialEq,
        Eq,
        Serialize,
        Deserialize,
        utoipa::ToSchema,
        async_graphql::SimpleObject,
        async_graphql::InputObject,
    )]
    #[graphql(input_name = "ProductAttributeInput")]
    pub struct ProductAttribute {
        /// What is described ("colour").
        pub name: String,
        /// Its value ("red").
        pub value: String,
    }

    /// A product's name or weight changed (Orders names and weighs new orders' lines by it).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProductUpdated {
        /// The product.
        pub product_id: Uuid,
        /// Display name now.
        pub name: String,
        /// Shipping weight of one unit now.
        pub weight_grams: u32,
    }
    contract!(ProductUpdated, "catalog.ProductUpdated");

    /// A product was put on sale, taken back to draft or archived (Orders sells only active
    /// products).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProductStatusChanged {
        /// The product.
        pub product_id: Uuid,
        /// Its status now.
        pub status: ProductStatus,
    }
    contract!(ProductStatusChanged, "catalog.ProductStatusChanged");

    /// A product was deleted: no longer shown or sold; orders that hold it keep it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProductDeleted {
        /// The product.
        pub product_id: Uuid,
    }
    contract!(ProductDeleted, "catalog.ProductDeleted");

    /// A product's price changed (Orders reprices new orders).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProductPriceChanged {
        /// The product.
        pub product_id: Uuid,
        /// The new unit price.
        pub price: Money,
    }
    contract!(ProductPriceChanged, "catalog.ProductPriceChanged");
}

/// Inventory's facts and the commands it takes.
pub mod inventory {
    use super::*;

    /// Command: hold stock for every line of an order, or none of them.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReserveInventory {
        /// The order.
        pub order_id: Uuid,
        /// What to hold.
        pub lines: Vec<ProductQuantity>,
    }
    contract!(ReserveInventory, "inventory.ReserveInventory");

    /// Command: give back whatever is held for an order (nothing held is fine).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReleaseInventory {
        /// The order.
        pub order_id: Uuid,
    }
    contract!(ReleaseInventory, "inventory.ReleaseInventory");

    /// Every line of the order is held.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct InventoryReserved {
        /// The order.
        pub order_id: Uuid,
        /// What is held.
        pub lines: Vec<ProductQuantity>,
    }
    contract!(InventoryReserved, "inventory.InventoryReserved");

    /// One line that could not be held.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Shortage {
        /// The product.
        pub product_id: Uuid,
        /// Units asked for.
        pub requested: u32,
        /// Units available then.
        pub available: u32,
    }

    /// Nothing was held because at least one line lacks stock.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OutOfStock {
        /// The order.
        pub order_id: Uuid,
        /// The lines that lack stock.
        pub shortages: Vec<Shortage>,
    }
    contract!(OutOfStock, "inventory.OutOfStock");

    /// Whatever was held for the order is available again.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct InventoryReleased {
        /// The order.
        pub order_id: Uuid,
        /// What was given back (empty when nothing was held).
        pub lines: Vec<ProductQuantity>,
    }
    contract!(InventoryReleased, "inventory.InventoryReleased");

    /// A reservation came after the order's hold was released (its saga is undoing the
    /// order): nothing was held, and nothing will be for this order.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReservationRefused {
        /// The order.
        pub order_id: Uuid,
        /// Explanation for a person.
        pub message: String,
    }
    contract!(ReservationRefused, "inventory.ReservationRefused");

    /// A product's sellable quantity changed (Catalog shows stock status).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct StockLevelChanged {
        /// The product.
        pub product_id: Uuid,
        /// Units on hand and not held.
        pub available: i64,
        /// Whether `available` is at or below the low-stock threshold.
        pub low_stock: bool,
    }
    contract!(StockLevelChanged, "inventory.StockLevelChanged");
}

/// Payments' facts and the commands it takes.
pub mod payments {
    use super::*;

    /// Command: charge an order's total to a customer's payment method.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ProcessPayment {
        /// The order.
        pub order_id: Uuid,
        /// Who pays; the payment method must be theirs.
        pub customer_id: Uuid,
        /// The tokenised card to charge.
        pub payment_method_id: Uuid,
        /// How much.
        pub amount: Money,
    }
    contract!(ProcessPayment, "payments.ProcessPayment");

    /// Command: give back whatever was charged for an order (nothing charged is fine,
    /// and stops a late charge).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RefundPayment {
        /// The order.
        pub order_id: Uuid,
    }
    contract!(RefundPayment, "payments.RefundPayment");

    /// The order's total is secured: held on the card (authorized) and captured when the
    /// order ships, or at confirmation where Payments is configured so.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PaymentProcessed {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// Amount authorized.
        pub amount: Money,
    }
    contract!(PaymentProcessed, "payments.PaymentProcessed");

    /// The charge was refused or could not be made.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PaymentFailed {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// `payment_declined`, `insufficient_funds`, `payment_error`, `payment_method_invalid`,
        /// or `payment_cancelled` when the charge came after the payment was voided or
        /// refunded (nothing stays charged: a charge that landed anyway was refunded).
        pub code: String,
        /// Explanation for a person.
        pub message: String,
    }
    contract!(PaymentFailed, "payments.PaymentFailed");

    /// Payments has begun to charge the order (again, after a restart): the payment step's
    /// deadline counts the receiver's work from here, not the time its command waited.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PaymentStarted {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
    }
    contract!(PaymentStarted, "payments.PaymentStarted");

    /// The charge was given back.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PaymentRefunded {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// Amount refunded; `None` when nothing had been charged (the payment was voided).
        pub amount: Option<Money>,
    }
    contract!(PaymentRefunded, "payments.PaymentRefunded");

    /// Command Payments sends itself once an admin's refund is recorded: make it at the
    /// gateway. A refund asked for is thereby made after a crash or a gateway outage too,
    /// and only once (the gateway is asked with the refund's own idempotency key).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct IssueRefund {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// The refund, as recorded on the payment.
        pub refund_id: Uuid,
    }
    contract!(IssueRefund, "payments.IssueRefund");

    /// An admin gave back part (or the rest) of an order's charge. Distinct from the
    /// saga's [`PaymentRefunded`] reply, which a cancellation waits for: this one must never
    /// be taken for that answer.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RefundIssued {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// The refund.
        pub refund_id: Uuid,
        /// What went back to the card.
        pub amount: Money,
        /// Why, as the admin wrote it.
        pub reason: String,
    }
    contract!(RefundIssued, "payments.RefundIssued");

    /// An order's authorized total was charged to the card (when its parcel left, or at
    /// confirmation where Payments is configured so).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PaymentCaptured {
        /// The payment.
        pub payment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// What was charged.
        pub amount: Money,
    }
    contract!(PaymentCaptured, "payments.PaymentCaptured");
}

/// Shipping's facts and the commands it takes.
pub mod shipping {
    use super::*;

    fn standard() -> shipping_rates::ServiceLevel {
        shipping_rates::ServiceLevel::Standard
    }

    /// Command: create the shipment for a confirmed order.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CreateShipment {
        /// The order.
        pub order_id: Uuid,
        /// The customer (shipments are theirs to see).
        pub customer_id: Uuid,
        /// Where to.
        pub destination: Address,
        /// Total weight of the parcel.
        pub weight_grams: u64,
        /// The service the customer chose (and paid for); Standard for orders placed
        /// before there was a choice.
        #[serde(default = "standard")]
        pub service: shipping_rates::ServiceLevel,
    }
    contract!(CreateShipment, "shipping.CreateShipment");

    /// A shipment was created.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentCreated {
        /// The shipment.
        pub shipment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// Shipping zone.
        pub zone: String,
        /// Carrier cost.
        pub cost: Money,
    }
    contract!(ShipmentCreated, "shipping.ShipmentCreated");

    /// No carrier zone covers the destination.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShippingUnavailable {
        /// The order.
        pub order_id: Uuid,
        /// The destination country.
        pub country: String,
        /// Explanation for a person.
        pub message: String,
    }
    contract!(ShippingUnavailable, "shipping.ShippingUnavailable");

    /// Compensation: cancel the order's shipment, or, when it is not booked yet, make sure
    /// a late `CreateShipment` books nothing. A parcel that has left is refused
    /// (`ShipmentCancellationRefused`) unless `return_to_sender` asks for it to be brought
    /// back (`ShipmentReturnRequested`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CancelShipment {
        /// The order.
        pub order_id: Uuid,
        /// Whether a parcel already with the carrier, not yet delivered, is to be returned
        /// to the warehouse (an admin's cancellation) rather than the cancellation refused
        /// (a customer's, and every compensation of a checkout). False in commands sent
        /// before returns existed.
        #[serde(default)]
        pub return_to_sender: bool,
    }
    contract!(CancelShipment, "shipping.CancelShipment");

    /// The parcel had left when its order was cancelled: the carrier is to bring it back
    /// to the warehouse. Answers a `CancelShipment` with `return_to_sender` (again when it is
    /// asked again), and tells Orders for the order's timeline.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentReturnRequested {
        /// The order.
        pub order_id: Uuid,
        /// The shipment coming back.
        pub shipment_id: Uuid,
    }
    contract!(ShipmentReturnRequested, "shipping.ShipmentReturnRequested");

    /// A returned parcel is back at the warehouse: Inventory puts its units back on hand.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentReturned {
        /// The order.
        pub order_id: Uuid,
        /// The shipment that came back.
        pub shipment_id: Uuid,
    }
    contract!(ShipmentReturned, "shipping.ShipmentReturned");

    /// The order's shipment is cancelled (`shipment_id` is `None` when none was booked).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentCancelled {
        /// The order.
        pub order_id: Uuid,
        /// The cancelled shipment, if one was booked.
        pub shipment_id: Option<Uuid>,
    }
    contract!(ShipmentCancelled, "shipping.ShipmentCancelled");

    /// A booking came after the order's shipment was cancelled (its saga is undoing the
    /// order): no parcel was booked, and none will be for this order.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentRefused {
        /// The order.
        pub order_id: Uuid,
        /// Explanation for a person.
        pub message: String,
    }
    contract!(ShipmentRefused, "shipping.ShipmentRefused");

    /// A cancellation came after the parcel had left with the carrier: nothing can call it
    /// back now, so the shipment stands and a person must decide what happens to the order.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentCancellationRefused {
        /// The order.
        pub order_id: Uuid,
        /// The shipment that left.
        pub shipment_id: Uuid,
        /// Where the parcel stands: `shipped`, `in_transit` or `delivered`.
        pub stage: String,
        /// Explanation for a person.
        pub message: String,
    }
    contract!(ShipmentCancellationRefused, "shipping.ShipmentCancellationRefused");

    /// The parcel left with the carrier: its reservation has become stock that left.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentShipped {
        /// The shipment.
        pub shipment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// Who carries it.
        pub carrier: String,
        /// The carrier's number for it.
        pub tracking_number: String,
    }
    contract!(ShipmentShipped, "shipping.ShipmentShipped");

    /// The carrier scanned the parcel on its way.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentInTransit {
        /// The shipment.
        pub shipment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
        /// Where it was scanned.
        pub location: String,
    }
    contract!(ShipmentInTransit, "shipping.ShipmentInTransit");

    /// The parcel reached the customer.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ShipmentDelivered {
        /// The shipment.
        pub shipment_id: Uuid,
        /// The order.
        pub order_id: Uuid,
    }
    contract!(ShipmentDelivered, "shipping.ShipmentDelivered");
}

/// Orders' facts and the commands its saga sends to Orders itself.
pub mod orders {
    use super::*;

    /// Command: mark the order confirmed (stock held, payment taken).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ConfirmOrder {
        /// The order.
        pub order_id: Uuid,
        /// The payment that paid for it.
        pub payment_id: Uuid,
    }
    contract!(ConfirmOrder, "orders.ConfirmOrder");

    /// Command: mark the order completed with its shipment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CompleteOrder {
        /// The order.
        pub order_id: Uuid,
        /// Its shipment.
        pub shipment_id: Uuid,
    }
    contract!(CompleteOrder, "orders.CompleteOrder");

    /// Command: cancel the order, saying why.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CancelOrder {
        /// The order.
        pub order_id: Uuid,
        /// Machine-readable reason.
        pub code: String,
        /// Reason for a person.
        pub message: String,
    }
    contract!(CancelOrder, "orders.CancelOrder");

    /// A customer placed an order.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct OrderPlaced {
        /// The order.
        pub order_id: Uuid,
        /// Who placed it.
        pub customer_id: Uuid,
        /// What was ordered.
        pub lines: Vec<ProductQuantity>,
        /// What it costs.
        pub total: Money,
    }
    contract!(OrderPlaced, "orders.OrderPlaced");

    /// Stock is held and payment taken.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrderConfirmed {
        /// The order.
        pub order_id: Uuid,
    }
    contract!(OrderConfirmed, "orders.OrderConfirmed");

    /// The order is on its way.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrderCompleted {
        /// The order.
        pub order_id: Uuid,
        /// Its shipment.
        pub shipment_id: Uuid,
    }
    contract!(OrderCompleted, "orders.OrderCompleted");

    /// The order was cancelled and everything it held undone.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrderCancelled {
        /// The order.
        pub order_id: Uuid,
        /// Machine-readable reason.
        pub code: String,
        /// Reason for a person.
        pub message: String,
    }
    contract!(OrderCancelled, "orders.OrderCancelled");

    /// Command: a cancellation asked for could not be carried out (the parcel had left):
    /// the order stands, and says why.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RefuseCancellation {
        /// The order.
        pub order_id: Uuid,
        /// Why, for a person.
        pub message: String,
    }
    contract!(RefuseCancellation, "orders.RefuseCancellation");

    /// A cancellation was asked for and refused: the order stands as it was.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrderCancellationRefused {
        /// The order.
        pub order_id: Uuid,
        /// Why, for a person.
        pub message: String,
    }
    contract!(OrderCancellationRefused, "orders.OrderCancellationRefused");
}

/// Read contracts for the API's composed answers: a view is answered by the context that
/// owns it, through a lookup that context implements, and followed by id from another
/// context's GraphQL fields (an order line's product). Only the API's read side uses them;
/// commands and sagas never do, as their decisions go through messages.
pub mod views {
    use async_graphql::dataloader::Loader;
    use kernel::error::ApiError;
    use kernel::money::Money;
    use serde::Serialize;
    use std::collections::HashMap;
    use std::sync::Arc;
    use uuid::Uuid;

    /// Whether a shopper can buy it now.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, async_graphql::Enum)]
    #[serde(rename_all = "snake_case")]
    #[allow(clippy::enum_variant_names, reason = "the API's words: in_stock, low_stock, out_of_stock")]
    pub enum StockStatus {
        /// More than a few units left.
        InStock,
        /// Few units left.
        LowStock,
        /// None left.
        OutOfStock,
    }

    impl StockStatus {
        /// The word for `available` units, when Inventory calls that level low or not.
        pub fn of(available: i64, low_stock: bool) -> StockStatus {
            match (available, low_stock) {
                (a, _) if a <= 0 => StockStatus::OutOfStock,
                (_, true) => StockStatus::LowStock,
                _ => StockStatus::InStock,
            }
        }
    }

    /// A picture of a product, with the address of each size it is served in. The addresses
    /// never change what they serve, so browsers and CDNs may keep them for a year.
    #[derive(
        Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema, async_graphql::SimpleObject,
    )]
    #[graphql(name = "ProductImage")]
    pub struct ProductImage {
        /// The picture.
        pub id: Uuid,
        /// What it shows, for shoppers who cannot see it; empty when the product's name says it.
        pub alt: String,
        /// Width of the large size, in pixels.
        pub width: u32,
        /// Height of the large size, in pixels.
        pub height: u32,
        /// At most 160 pixels on a side: search results, order lines.
        pub thumb_url: String,
        /// At most 480 pixels on a side: product cards.
        pub card_url: String,
        /// At most 1200 pixels on a side: the product page.
        pub large_url: String,
    }

    /// A product as the API shows it, in Catalog's own answers and inside others'.
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
    #[graphql(name = "Product")]
    pub struct ProductView {
        /// The product.
        pub id: Uuid,
        /// Stock keeping unit.
        pub sku: String,
        /// Display name.
        pub name: String,
        /// What a shopper reads about it.
        pub description: String,
        /// Unique URL name.
        pub slug: String,
        /// Only `active` products are shown to shoppers and sold.
        pub status: crate::catalog::ProductStatus,
        /// Its category, if any.
        pub category_id: Option<Uuid>,
        /// Colour, material and the like, in the admin's order.
        pub attributes: Vec<crate::catalog::ProductAttribute>,
        /// Unit price now.
        pub price: Money,
        /// Shipping weight of one unit.
        pub weight_grams: i64,
        /// Units a shopper can buy now, as Inventory last reported.
        pub available: i64,
        /// `available` in a word.
        pub stock_status: StockStatus,
        /// Its gallery, cover first.
        pub images: Vec<ProductImage>,
        /// When it was added (RFC 3339).
        pub created_at: String,
    }

    /// Catalog's products by id, for answers that show them beside another context's data.
    #[async_trait::async_trait]
    pub trait ProductLookup: Send + Sync {
        /// The products among `ids` that exist (one read, however many ids).
        async fn products(&self, ids: &[Uuid]) -> Result<Vec<ProductView>, ApiError>;
    }

    /// Batches every product one GraphQL request asks for into one lookup per
    /// [`PRODUCT_BATCH`] ids, however many lines and orders ask for them.
    pub struct ProductLoader(pub Arc<dyn ProductLookup>);

    /// Most products one lookup reads.
    pub const PRODUCT_BATCH: usize = 100;

    impl Loader<Uuid> for ProductLoader {
        type Value = ProductView;
        type Error = Arc<ApiError>;

        async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, ProductView>, Arc<ApiError>> {
            let products = self.0.products(ids).await.map_err(Arc::new)?;
            Ok(products.into_iter().map(|product| (product.id, product)).collect())
        }
    }
}
