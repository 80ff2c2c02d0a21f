/** Card helpers for checkout and saved cards. Numbers are only ever sent to the API to be tokenised. */

export const TEST_CARDS: readonly { number: string; outcome: string }[] = [
  { number: "4242 4242 4242 4242", outcome: "approved" },
  { number: "4000 0000 0000 0002", outcome: "declined when charged" },
  { number: "4000 0000 0000 9995", outcome: "insufficient funds" },
  { number: "4000 0000 0000 0119", outcome: "processing error" },
  { number: "4000 0000 0000 0069", outcome: "refused when saved" },
];

export function cardDigits(input: string): string {
  return input.replace(/\D/g, "").slice(0, 19);
}

/** "4242424242424242" -> "4242 4242 4242 4242", as the shopper types. */
export function formatCardNumber(input: string): string {
  return cardDigits(input).replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** Luhn checksum, to catch typos before the number leaves the page. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** "Visa •••• 4242", as a saved card is named to its owner. */
export function cardName(card: { brand: string; last4: string }): string {
  const brand = BRANDS[card.brand] ?? "Card";
  return `${brand} •••• ${card.last4}`;
}

/** "12/2035", as a card's expiry is printed on it. */
export function cardExpiry(card: { expMonth: number; expYear: number }): string {
  return `${String(card.expMonth).padStart(2, "0")}/${card.expYear}`;
}

const BRANDS: Record<string, string> = {
  visa: "Visa",
  mastercard: "Mastercard",
  amex: "American Express",
  discover: "Discover",
  jcb: "JCB",
  diners: "Diners Club",
  unionpay: "UnionPay",
};
