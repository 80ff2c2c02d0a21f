import { LoadingRegion, Skeleton } from "./skeleton";

/** The catalog's shape: search box, filters beside the results, a grid of cards. */
export function GridSkeleton() {
  return (
    <LoadingRegion label="Loading products…">
      <div className="container-page py-8">
        <Skeleton className="mb-8 h-12 max-w-3xl rounded-xl" />
        <div className="grid gap-6 lg:grid-cols-[15rem_minmax(0,1fr)] lg:gap-10">
          <div className="hidden space-y-3 lg:block">
            <Skeleton className="h-5 w-28" />
            {Array.from({ length: 7 }, (_, i) => (
              <Skeleton key={i} className="h-7" />
            ))}
          </div>
          <div>
            <Skeleton className="mb-6 h-8 w-48" />
            <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-3">
              {Array.from({ length: 6 }, (_, i) => (
                <div key={i} className="overflow-hidden rounded-2xl border border-slate-200 bg-white">
                  <Skeleton className="aspect-[4/3] rounded-none" />
                  <div className="space-y-3 p-4">
                    <Skeleton className="h-4 w-3/4" />
                    <Skeleton className="h-6 w-1/3" />
                  </div>
                </div>
              ))}
            </div>
          </div>
        </div>
      </div>
    </LoadingRegion>
  );
}

export function DetailSkeleton({ label }: { label: string }) {
  return (
    <LoadingRegion label={label}>
      <div className="container-page py-10">
        <Skeleton className="mb-8 h-8 w-64" />
        <div className="grid gap-8 lg:grid-cols-2">
          <Skeleton className="aspect-[4/3]" />
          <div className="space-y-4">
            <Skeleton className="h-8 w-2/3" />
            <Skeleton className="h-6 w-1/4" />
            <Skeleton className="h-24" />
            <Skeleton className="h-32" />
          </div>
        </div>
      </div>
    </LoadingRegion>
  );
}

export function PanelSkeleton({ label }: { label: string }) {
  return (
    <LoadingRegion label={label}>
      <div className="container-page py-10">
        <Skeleton className="mb-8 h-8 w-56" />
        <div className="grid gap-8 lg:grid-cols-[1fr_22rem]">
          <div className="space-y-4">
            <Skeleton className="h-28" />
            <Skeleton className="h-28" />
          </div>
          <Skeleton className="h-56" />
        </div>
      </div>
    </LoadingRegion>
  );
}

export function FormSkeleton({ label }: { label: string }) {
  return (
    <LoadingRegion label={label}>
      <div className="container-page flex justify-center py-16">
        <div className="w-full max-w-md space-y-4 rounded-2xl border border-slate-200 bg-white p-8">
          <Skeleton className="h-7 w-40" />
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
          <Skeleton className="h-12" />
        </div>
      </div>
    </LoadingRegion>
  );
}
