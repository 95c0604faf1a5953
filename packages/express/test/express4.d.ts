// Types for the `express4` alias (npm:express@4) the suites run against; the API they use is the same as v5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
