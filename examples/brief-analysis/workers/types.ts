// The shapes the workflow passes between its steps (type-only: esbuild drops this module from the bundle).
export interface Brief {
  id: string;
  title: string;
  body: string;
}

export interface Analysis {
  brief: string;
  clarity: number;
  keywords: string[];
  effortDays: number;
  verdict: "ready" | "needs-work";
}

export interface Step {
  do<T>(name: string, callback: () => Promise<T>): Promise<T>;
  sleep(name: string, duration: string | number): Promise<void>;
}
