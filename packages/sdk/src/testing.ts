// @sovren/sdk/testing: mock the Sovren API in your tests, over REST (msw) or Connect.
export { MockSovrenBackend, type MockBackendOptions, type MockFault, type MockOverride, type RecordedCall } from "./testing/mock-backend.js";
export { MockProblem } from "./testing/mock-problem.js";
export { fixtures } from "./testing/fixtures.js";
export { createSovrenHandlers, type SovrenHandlersOptions } from "./testing/msw.js";
export { sovrenRoutes, createSovrenRouterTransport } from "./testing/router.js";
