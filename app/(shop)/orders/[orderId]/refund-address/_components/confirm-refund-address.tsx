"use client";

import Link from "next/link";
import { useActionState } from "react";
import { useTranslations } from "next-intl";
import { confirmRefundAddressAction, type ConfirmAddressState } from "@/lib/actions/order";
import { FormAlert } from "@/components/form-alert";

export function ConfirmRefundAddress({ orderId, token }: { orderId: string; token: string }) {
  const [state, action, pending] = useActionState<ConfirmAddressState, FormData>(confirmRefundAddressAction, { ok: false, error: null });
  const t = useTranslations("RefundAddress");
  if (state.ok) {
    return (
      <p role="status" className="text-ok">
        {t("confirmed")}{" "}
        <Link href={`/orders/${orderId}`} className="underline">
          {t("back")}
        </Link>
      </p>
    );
  }
  return (
    <form action={action} className="space-y-2">
      <input type="hidden" name="orderId" value={orderId} />
      <input type="hidden" name="token" value={token} />
      <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-4 py-2 font-semibold text-white disabled:opacity-60">
        {pending ? t("confirming") : t("confirm")}
      </button>
      <FormAlert error={state.error} />
    </form>
  );
}
