import { useEffect, useState } from 'react';

type Rules = typeof import('./validation.ts');

let loaded: Rules | undefined;

/**
 * The networks' text rules (with twitter-text, the largest dependency) load with the composer, not
 * with the app, keeping the first load of every other page small. Until they arrive (a few
 * milliseconds after the composer opens) the counters are simply not shown.
 */
export function useNetworkRules(): Rules | undefined {
  const [rules, setRules] = useState<Rules | undefined>(loaded);
  useEffect(() => {
    if (loaded) return;
    let live = true;
    void import('./validation.ts').then((module) => {
      loaded = module;
      if (live) setRules(module);
    });
    return () => {
      live = false;
    };
  }, []);
  return rules;
}
