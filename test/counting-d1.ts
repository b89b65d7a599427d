/**
 * A D1 binding that records its round trips (tests): each `batch()` is one call listing its
 * statements' SQL, each `run`/`first`/`all`/`raw`/`exec` one call of one statement. Everything
 * goes to the real binding underneath.
 */
export interface CountingD1 {
  db: D1Database;
  /** One entry per round trip: the SQL of the statements it carried. */
  calls: string[][];
  /** The round trips with a statement whose SQL matches. */
  callsTouching(pattern: RegExp): string[][];
  reset(): void;
}

export function countingD1(real: D1Database): CountingD1 {
  const calls: string[][] = [];
  const underlying = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();

  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      first: (column?: string) => {
        calls.push([sql]);
        return column === undefined ? statement.first() : statement.first(column);
      },
      run: () => {
        calls.push([sql]);
        return statement.run();
      },
      all: () => {
        calls.push([sql]);
        return statement.all();
      },
      raw: (options?: { columnNames?: boolean }) => {
        calls.push([sql]);
        return statement.raw(options as { columnNames: true });
      },
    };
    underlying.set(wrapped, statement);
    sqlOf.set(wrapped, sql);
    return wrapped as unknown as D1PreparedStatement;
  };

  const db = new Proxy(real, {
    get(target, property) {
      if (property === "prepare") {
        return (sql: string) => wrap(target.prepare(sql), sql);
      }
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          calls.push(statements.map((s) => sqlOf.get(s) ?? "?"));
          return target.batch(statements.map((s) => underlying.get(s) ?? s));
        };
      }
      if (property === "exec") {
        return (sql: string) => {
          calls.push([sql]);
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  return {
    db,
    calls,
    callsTouching: (pattern) => calls.filter((call) => call.some((sql) => pattern.test(sql))),
    reset: () => {
      calls.length = 0;
    },
  };
}
