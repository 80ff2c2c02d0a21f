"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import useSWR from "swr";
import { Spinner } from "@/components/ui/spinner";
import { fetchSuggestions, keys } from "@/lib/api/browser";
import type { Suggestions } from "@/lib/api/types";
import { type CatalogQuery, MAX_QUERY_CHARS, withChanges } from "@/lib/catalog/query";
import { useCatalogNavigation } from "./catalog-navigation";

/** Quiet time after the last keystroke before suggestions are asked for. */
const SUGGEST_DELAY_MS = 200;
/** Fewer characters than this suggest nothing worth showing. */
const MIN_SUGGEST_CHARS = 2;

type Option =
  | { kind: "product"; id: string; name: string }
  | { kind: "category"; id: string; name: string; parentName: string | null };

function optionsOf(suggestions: Suggestions | undefined, categoryNames: ReadonlyMap<string, string>): Option[] {
  if (!suggestions) return [];
  return [
    ...suggestions.products.map((p): Option => ({ kind: "product", id: p.id, name: p.name })),
    ...suggestions.categories.map(
      (c): Option => ({
        kind: "category",
        id: c.id,
        name: c.name,
        parentName: c.parentId ? (categoryNames.get(c.parentId) ?? null) : null,
      }),
    ),
  ];
}

/**
 * The catalog's search box: an ARIA combobox (editable, list autocomplete) whose listbox
 * offers products and categories for the words typed so far. Arrow keys move through the
 * suggestions, Enter opens the highlighted one (or searches for the words), Escape closes
 * the list and then clears the box.
 */
export function SearchBox({
  query,
  categoryNames,
}: {
  query: CatalogQuery;
  /** Names by category id, to say which category a suggested one sits in. */
  categoryNames: ReadonlyMap<string, string>;
}) {
  const id = useId();
  const listId = `${id}-list`;
  const router = useRouter();
  const { go } = useCatalogNavigation();
  const [text, setText] = useState(query.q);
  const [shownQ, setShownQ] = useState(query.q);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [typed, setTyped] = useState(query.q.trim());

  // The URL is the source of truth: back/forward or a cleared filter brings its words back.
  if (shownQ !== query.q) {
    setShownQ(query.q);
    setText(query.q);
    setTyped(query.q.trim());
    setOpen(false);
    setActive(-1);
  }

  useEffect(() => {
    const words = text.trim();
    const timer = setTimeout(() => setTyped(words), SUGGEST_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const wanted = open && typed.length >= MIN_SUGGEST_CHARS;
  const { data, isLoading } = useSWR(wanted ? keys.suggestions(typed) : null, ([, words]) => fetchSuggestions(words), {
    keepPreviousData: true,
    revalidateOnFocus: false,
    shouldRetryOnError: false,
  });
  const options = wanted ? optionsOf(data, categoryNames) : [];
  const expanded = options.length > 0;
  const activeOption = expanded && active >= 0 ? options[active] : undefined;
  const optionId = (index: number) => `${id}-option-${index}`;

  function choose(option: Option) {
    setOpen(false);
    setActive(-1);
    if (option.kind === "product") {
      router.push(`/products/${encodeURIComponent(option.id)}`);
    } else {
      go(withChanges(query, { q: "", category: option.id }));
    }
  }

  function search(event: React.FormEvent) {
    event.preventDefault();
    setOpen(false);
    setActive(-1);
    go(withChanges(query, { q: text.trim() }));
  }

  function onKeyDown(event: React.KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) setOpen(true);
        if (expanded) setActive((i) => (i + 1) % options.length);
        break;
      case "ArrowUp":
        if (!expanded) break;
        event.preventDefault();
        setActive((i) => (i <= 0 ? options.length - 1 : i - 1));
        break;
      case "Enter":
        if (activeOption) {
          event.preventDefault();
          choose(activeOption);
        }
        break;
      case "Escape":
        if (expanded) {
          event.preventDefault();
          setOpen(false);
          setActive(-1);
        } else if (text) {
          event.preventDefault();
          setText("");
        }
        break;
      default:
        break;
    }
  }

  const products = options.filter((o) => o.kind === "product");
  const categories = options.filter((o) => o.kind === "category");

  return (
    <form role="search" action="/" onSubmit={search} className="relative">
      <label htmlFor={`${id}-input`} className="sr-only">
        Search products
      </label>
      <div className="flex items-stretch gap-2">
        <div className="relative flex-1">
          <svg
            aria-hidden="true"
            viewBox="0 0 20 20"
            fill="currentColor"
            className="pointer-events-none absolute left-3 top-1/2 h-5 w-5 -translate-y-1/2 text-slate-400"
          >
            <path
              fillRule="evenodd"
              d="M9 3.5a5.5 5.5 0 1 0 3.4 9.83l3.63 3.64a.75.75 0 1 0 1.06-1.06l-3.63-3.64A5.5 5.5 0 0 0 9 3.5ZM5 9a4 4 0 1 1 8 0 4 4 0 0 1-8 0Z"
              clipRule="evenodd"
            />
          </svg>
          <input
            id={`${id}-input`}
            name="q"
            type="search"
            role="combobox"
            aria-expanded={expanded}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={activeOption ? optionId(active) : undefined}
            autoComplete="off"
            spellCheck={false}
            enterKeyHint="search"
            maxLength={MAX_QUERY_CHARS}
            placeholder="Search products"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setOpen(true);
              setActive(-1);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => {
              setOpen(false);
              setActive(-1);
            }}
            className="block w-full rounded-xl border border-slate-300 bg-white py-3 pl-10 pr-10 text-base text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-200 [&::-webkit-search-cancel-button]:cursor-pointer"
          />
          {isLoading && wanted ? (
            <span className="absolute right-3 top-1/2 -translate-y-1/2 text-slate-400">
              <Spinner />
            </span>
          ) : null}
        </div>
        <button
          type="submit"
          className="inline-flex items-center rounded-xl bg-brand-600 px-5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500"
        >
          Search
        </button>
      </div>
      <div
        id={listId}
        role="listbox"
        aria-label="Suggestions"
        hidden={!expanded}
        className="absolute inset-x-0 top-full z-30 mt-2 max-h-96 overflow-y-auto rounded-xl border border-slate-200 bg-white py-2 shadow-lg"
      >
        {products.length > 0 ? (
          <div role="group" aria-labelledby={`${id}-products`}>
            <div id={`${id}-products`} role="presentation" className="px-4 pb-1 pt-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
              Products
            </div>
            {products.map((option) => {
              const index = options.indexOf(option);
              return (
                <SuggestionOption key={`p-${option.id}`} id={optionId(index)} selected={index === active} onChoose={() => choose(option)}>
                  {option.name}
                </SuggestionOption>
              );
            })}
          </div>
        ) : null}
        {categories.length > 0 ? (
          <div role="group" aria-labelledby={`${id}-categories`}>
            <div id={`${id}-categories`} role="presentation" className="px-4 pb-1 pt-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
              Categories
            </div>
            {categories.map((option) => {
              const index = options.indexOf(option);
              return (
                <SuggestionOption key={`c-${option.id}`} id={optionId(index)} selected={index === active} onChoose={() => choose(option)}>
                  {option.name}
                  {option.kind === "category" && option.parentName ? (
                    <>
                      {" "}
                      <span className="ml-1 text-xs text-slate-500">in {option.parentName}</span>
                    </>
                  ) : null}
                </SuggestionOption>
              );
            })}
          </div>
        ) : null}
      </div>
      <p role="status" className="sr-only">
        {expanded ? `${options.length} ${options.length === 1 ? "suggestion" : "suggestions"}, use the arrow keys to choose` : ""}
      </p>
    </form>
  );
}

function SuggestionOption({
  id,
  selected,
  onChoose,
  children,
}: {
  id: string;
  selected: boolean;
  onChoose: () => void;
  children: React.ReactNode;
}) {
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      // Keeps the focus in the box, so the list is not closed by its blur before the click lands.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onChoose}
      className={`cursor-pointer px-4 py-2 text-sm ${selected ? "bg-brand-50 text-brand-900" : "text-slate-800 hover:bg-slate-50"}`}
    >
      {children}
    </div>
  );
}
