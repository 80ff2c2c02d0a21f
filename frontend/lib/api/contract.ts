/**
 * The storefront's wire types checked against the API's OpenAPI document.
 *
 * `schema.d.ts` is generated from `docs/openapi.json` (`npm run gen:api`; `npm run
 * check:api` fails when it is stale), and that document is generated from the backend's
 * code. Each line below fails `npm run typecheck` when a wire type in `types.ts` names a
 * field the API does not have, misses one it has, or gives a field a type the API does not
 * send. Wire types may be narrower than the schema (string unions for status strings).
 */

import type { components } from "./schema";
import type {
  Address,
  ApiCategory,
  ApiOrder,
  ApiOrderLine,
  ApiOrderRefund,
  ApiPayment,
  ApiRefund,
  ApiOrderTimelineEntry,
  ApiSagaDetail,
  ApiPaymentMethod,
  ApiCategoryCount,
  ApiFacets,
  ApiPriceBand,
  ApiProduct,
  ApiProductImage,
  ApiSearchPage,
  ApiSession,
  ApiShipment,
  ApiShipmentStep,
  ApiShippingOption,
  ApiShippingQuote,
  ApiStockLevel,
  ApiStockMovement,
  ApiSuggestions,
  ApiProductSuggestion,
  ApiUser,
  CancelOrderBody,
  CategoryChanges,
  LoginBody,
  Money,
  NewCategory,
  NewPaymentMethodBody,
  NewProduct,
  Page,
  PlaceOrderBody,
  ProblemDocument,
  ProductAttribute,
  ProductChanges,
  QuoteBody,
  RefundBody,
  RegisterBody,
  SetAsideBody,
  ShipBody,
  StockAdjustmentBody,
  ThresholdBody,
} from "./types";

type Schemas = components["schemas"];

/** True when A and B name exactly the same fields. */
type SameFields<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
/** True when every value of A is a value the schema B allows. */
type Fits<A, B> = [A] extends [B] ? true : false;
/** Same fields, and each one within what the API sends or accepts. */
type Agrees<A, B> = SameFields<A, B> extends true ? Fits<A, B> : false;
type Assert<T extends true> = T;

export type Contract = [
  Assert<Agrees<Money, Schemas["Money"]>>,
  Assert<Agrees<Address, Schemas["Address"]>>,
  // Every field is optional in `ProblemDocument` because an error body may come from a proxy.
  Assert<Agrees<Required<ProblemDocument>, Schemas["Problem"]>>,
  Assert<Agrees<ApiUser, Schemas["User"]>>,
  Assert<Agrees<ApiSession, Schemas["Session"]>>,
  Assert<Agrees<RegisterBody, Schemas["Registration"]>>,
  Assert<Agrees<LoginBody, Schemas["Credentials"]>>,
  Assert<Agrees<ApiProduct, Schemas["ProductView"]>>,
  Assert<Agrees<ApiProductImage, Schemas["ProductImage"]>>,
  Assert<Agrees<ApiSearchPage, Schemas["SearchPage"]>>,
  Assert<Agrees<ApiFacets, Schemas["Facets"]>>,
  Assert<Agrees<ApiCategoryCount, Schemas["CategoryCount"]>>,
  Assert<Agrees<ApiPriceBand, Schemas["PriceBandCount"]>>,
  Assert<Agrees<ApiCategory, Schemas["CategoryView"]>>,
  Assert<Agrees<ApiSuggestions, Schemas["Suggestions"]>>,
  Assert<Agrees<ApiProductSuggestion, Schemas["ProductSuggestion"]>>,
  Assert<Agrees<NewPaymentMethodBody, Schemas["NewPaymentMethod"]>>,
  Assert<Agrees<ApiPaymentMethod, Schemas["PaymentMethodView"]>>,
  Assert<Agrees<ApiShipment, Schemas["ShipmentView"]>>,
  Assert<Agrees<ApiShipmentStep, Schemas["JourneyStep"]>>,
  Assert<Agrees<ApiOrderTimelineEntry, Schemas["OrderTimelineEntry"]>>,
  Assert<Agrees<ApiSagaDetail, Schemas["SagaDetail"]>>,
  Assert<Agrees<Page<ApiShipment>, Schemas["Page_ShipmentView"]>>,
  Assert<Agrees<ShipBody, Schemas["HandOver"]>>,
  Assert<Agrees<QuoteBody, Schemas["QuoteRequest"]>>,
  Assert<Agrees<QuoteBody["lines"][number], Schemas["QuoteLine"]>>,
  Assert<Agrees<ApiShippingQuote, Schemas["QuoteView"]>>,
  Assert<Agrees<ApiShippingOption, Schemas["ShippingOption"]>>,
  Assert<Agrees<ApiStockLevel, Schemas["StockLevel"]>>,
  Assert<Agrees<Page<ApiStockLevel>, Schemas["Page_StockLevel"]>>,
  Assert<Agrees<ApiStockMovement, Schemas["StockMovement"]>>,
  Assert<Agrees<Page<ApiStockMovement>, Schemas["Page_StockMovement"]>>,
  Assert<Agrees<StockAdjustmentBody, Schemas["Adjustment"]>>,
  Assert<Agrees<SetAsideBody, Schemas["SetAside"]>>,
  Assert<Agrees<ThresholdBody, Schemas["Threshold"]>>,
  Assert<Agrees<ApiOrderLine, Schemas["LineView"]>>,
  Assert<Agrees<ApiOrder, Schemas["OrderView"]>>,
  Assert<Agrees<ApiOrderRefund, Schemas["OrderRefundView"]>>,
  Assert<Agrees<ApiPayment, Schemas["PaymentView"]>>,
  Assert<Agrees<ApiRefund, Schemas["RefundView"]>>,
  Assert<Agrees<RefundBody, Schemas["NewRefund"]>>,
  Assert<Agrees<Page<ApiOrder>, Schemas["Page_OrderView"]>>,
  Assert<Agrees<PlaceOrderBody, Schemas["PlaceOrder"]>>,
  Assert<Agrees<CancelOrderBody, Schemas["CancelOrderRequest"]>>,
  Assert<Agrees<ProductAttribute, Schemas["ProductAttribute"]>>,
  // `NewProduct` and `ProductChanges` send their price as `Money`, the same fields as `PriceInput`.
  Assert<Agrees<Money, Schemas["PriceInput"]>>,
  Assert<Agrees<NewProduct, Schemas["NewProduct"]>>,
  Assert<Agrees<ProductChanges, Schemas["ProductChanges"]>>,
  Assert<Agrees<NewCategory, Schemas["NewCategory"]>>,
  Assert<Agrees<CategoryChanges, Schemas["CategoryChanges"]>>,
];
