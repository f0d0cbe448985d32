import Link from "next/link";

/** The links out of an error or not-found page: the shop and the cart, or (merchant) the orders. */
export function WayBack({ merchant = false }: { merchant?: boolean }) {
  if (merchant) {
    return (
      <Link href="/admin" className="font-medium text-brand-600 underline">
        Back to orders
      </Link>
    );
  }
  return (
    <>
      <Link href="/" className="font-medium text-brand-600 underline">
        Back to the shop
      </Link>
      <Link href="/cart" className="font-medium text-brand-600 underline">
        Your cart
      </Link>
    </>
  );
}
