export function SiteFooter() {
  return (
    <footer className="mt-16 border-t border-slate-200 bg-white">
      <div className="container-page flex flex-col gap-2 py-8 text-sm text-slate-500 sm:flex-row sm:items-center sm:justify-between">
        <p>© Emporium · Everyday goods, shipped fast</p>
        <p>Secure checkout · Cards are tokenised, never stored</p>
      </div>
    </footer>
  );
}
