// Types for the `koa2` alias (npm:koa@2): Koa 2 and 3 share @types/koa, so the alias reuses them.
declare module 'koa2' {
  import Koa from 'koa';
  export = Koa;
}
