/**
 * Browser IDEs of the gateway in development: Apollo Sandbox on GET /graphql (from Apollo's CDN) that falls back to
 * GraphiQL at /graphiql, served from node_modules so that it works offline. Production serves neither.
 *
 *   const ide: IdeOptions = { enabled: !production };
 *   new ApolloServer({ ..., plugins: [ideLandingPage(ide)] });
 *   app.use(ideRouter(ide)); // before app.use('/graphql', ...)
 */
export { DEFAULT_QUERY, type IdeOptions } from './options.js';
export { ideLandingPage } from './landing-page.js';
export { ideRouter } from './graphiql.js';
