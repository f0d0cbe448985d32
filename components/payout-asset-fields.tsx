import { useTranslations } from "next-intl";
import { describedBy, Field, Options } from "./field";
import { NETWORK_NAMES, PAYOUT_NETWORKS, PAYOUT_TOKENS } from "@/lib/rules/payout-assets";

/** The network and token of a refund, as the shopper's "where should we send it" and the merchant's refund form ask them. */
export function PayoutAssetFields({ idPrefix, values, tokenError }: { idPrefix: string; values?: { network?: string; token?: string }; tokenError?: string | null }) {
  const t = useTranslations("RefundAddress");
  return (
    <>
      <Field id={`${idPrefix}-network`} label={t("network")}>
        <select id={`${idPrefix}-network`} name="network" defaultValue={values?.network || "ETH"} className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5">
          <Options values={PAYOUT_NETWORKS} labels={NETWORK_NAMES} />
        </select>
      </Field>
      <Field id={`${idPrefix}-token`} label={t("token")} error={tokenError}>
        <select
          id={`${idPrefix}-token`}
          name="token"
          defaultValue={values?.token || "USDC"}
          className="mt-1 w-full rounded-md border border-paper-line px-2 py-1.5"
          aria-describedby={describedBy(`${idPrefix}-token`, tokenError)}
        >
          <Options values={PAYOUT_TOKENS} />
        </select>
      </Field>
    </>
  );
}
