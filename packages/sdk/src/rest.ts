// @sovren/sdk/rest: the same client over REST (JSON over fetch) only. It
// imports neither Connect nor protobuf, so a browser bundle pays for REST alone.
// Errors, pages and streams are the same classes as in `@sovren/sdk`.
import { BaseClient } from "./client-base.js";
import type { ClientOptions } from "./client-options.js";
import { SovrenError } from "./core/errors.js";
import { restWire } from "./transports/rest.js";

/** The options of the REST-only client: every `ClientOptions` but the transport, which is REST. */
export interface RestClientOptions extends Omit<ClientOptions, "transport"> {
  transport?: "rest";
}

/** The Sovren API client over REST only. For Connect, gRPC-Web or gRPC use `@sovren/sdk` or `@sovren/sdk/node`. */
export class Sovren extends BaseClient {
  constructor(options: RestClientOptions = {}) {
    super(options, (transport = "rest", { rest, baseUrl }) => {
      if (transport !== "rest") {
        throw new SovrenError(
          `@sovren/sdk/rest speaks REST only, not ${typeof transport === "string" ? `"${transport}"` : "a Connect transport"}: import { Sovren } from "@sovren/sdk" (or "@sovren/sdk/node" for "grpc").`,
        );
      }
      return restWire(rest, baseUrl);
    });
  }
}

export * from "./exports.js";
