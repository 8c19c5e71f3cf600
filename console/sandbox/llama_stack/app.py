"""The Llama Stack stand-in's HTTP app: the routes of a llama-stack 0.7.3 server the console uses.

It serves ``/v1/health``, ``/v1/version``, ``/v1/providers``, ``/v1/providers/{id}``,
``/v1/models``, ``/v1/chat/completions`` (plain and streamed) and, when ``responses`` is
among the run.yaml's ``apis``, ``/v1/responses`` (`console.sandbox.llama_stack.responses`).
`create_stack_app` lists the 0.7.3 behaviours it reproduces, which
``tests/integration/test_stack_contract.py`` pins by running the same probes against this
stand-in and the real server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from console.sandbox.llama_stack.connection import ConnectionCloser
from console.sandbox.llama_stack.errors import (
    MSG_INTERNAL,
    MSG_MODEL_NOT_FOUND,
    MSG_NO_KEY,
    validation_error,
)
from console.sandbox.llama_stack.handlers import StackHandlers
from console.sandbox.llama_stack.identity import (
    SANDBOX_HEADER,
    SANDBOX_HEADER_VALUE,
    SANDBOX_VERSION,
)
from console.sandbox.llama_stack.provider_data import azure_provider_data
from console.sandbox.llama_stack.responses import ResponsesApi
from console.sandbox.llama_stack.run_config import ModelEntry
from console.sandbox.llama_stack.shaping import dumps, shape_chunk, shape_completion
from console.sandbox.llama_stack.stand_in import LlamaStackStandIn
from console.sandbox.llama_stack.upstream import Upstream, UpstreamError
from console.shared.azure import AZURE_PROVIDER_TYPE


class _StackApp(StackHandlers):
    # -- endpoints

    async def health(self, request: Request) -> Response:
        return await self._gate(request) or self._json(request, {"status": "OK"})

    async def version(self, request: Request) -> Response:
        return await self._gate(request) or self._json(request, {"version": SANDBOX_VERSION})

    async def providers(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        return self._json(request, {"data": [p.listing() for p in self.stand_in.providers]})

    async def provider(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        provider_id = request.path_params["provider_id"]
        provider = self.stand_in.provider(provider_id)
        if provider is None:
            return self._error(request, 400, f"Provider {provider_id} not found")
        return self._json(request, provider.listing())

    async def models(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        models = list(self.stand_in.models)
        data = azure_provider_data(self._provider_data(request))
        if data is not None:
            known = {m.identifier for m in models}
            for found in await self._dynamic_models(data["azure_api_key"]):
                if found.identifier not in known:
                    known.add(found.identifier)
                    models.append(found)
        return self._json(request, {"data": [m.listing() for m in models]})

    async def _dynamic_models(self, key: str) -> list[ModelEntry]:
        """What each Azure provider's ``GET /models`` lists with the caller's key; errors skip."""
        found: list[ModelEntry] = []
        for provider in self.stand_in.providers:
            if provider.provider_type != AZURE_PROVIDER_TYPE or not provider.base_url:
                continue
            upstream = self.upstream()
            try:
                response = await upstream.send(
                    "GET", f"{provider.base_url}/models", key, None, stream=False
                )
                listing = response.json()
            except (UpstreamError, ValueError):
                continue
            finally:
                await upstream.aclose()
            allowed = provider.config.get("allowed_models")
            for item in listing.get("data") or [] if isinstance(listing, dict) else []:
                model_id = str(item.get("id", "")) if isinstance(item, dict) else ""
                if not model_id or (allowed is not None and model_id not in allowed):
                    continue
                found.append(ModelEntry(f"{provider.provider_id}/{model_id}", provider.provider_id,
                                        model_id))  # fmt: skip
        return found

    async def chat_completions(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        invalid = validation_error(body)
        if invalid is not None:
            return self._error(request, 400, invalid, closes=False)
        model_id = str(body["model"])
        model = self.stand_in.model(model_id)
        if model is None:
            message = MSG_MODEL_NOT_FOUND.format(model=model_id)
            return self._error(request, 404, message, closes=False)
        provider = self.stand_in.provider(model.provider_id)
        if provider is None or provider.provider_type != AZURE_PROVIDER_TYPE:
            return self._error(request, 500, MSG_INTERNAL)
        if self._provider_data(request) is not None and not isinstance(
            self._provider_data(request), dict
        ):
            return self._error(request, 500, MSG_INTERNAL)
        key = self._api_key(request, provider)
        if key is None:
            return self._error(request, 400, MSG_NO_KEY)
        upstream_body = {"model": model.provider_resource_id}
        upstream_body.update({k: v for k, v in body.items() if k != "model"})
        stream = bool(body.get("stream"))
        url = f"{provider.base_url}/chat/completions"
        upstream = self.upstream()
        try:
            response = await upstream.send("POST", url, key, upstream_body, stream=stream)
        except UpstreamError as exc:
            await upstream.aclose()
            return self._error(request, exc.status, exc.message, closes=exc.closes)
        if stream:
            self._record(request, 200)
            return StreamingResponse(
                self._relay(upstream, response, model_id),
                media_type="text/event-stream",
                headers={SANDBOX_HEADER: SANDBOX_HEADER_VALUE},
            )
        try:
            answer = response.json()
        except ValueError:
            return self._error(request, 500, MSG_INTERNAL)
        finally:
            await upstream.aclose()
        if not isinstance(answer, dict):
            return self._error(request, 500, MSG_INTERNAL)
        return self._json(request, shape_completion(answer, model_id))

    async def _relay(
        self, upstream: Upstream, response: httpx.Response, model: str
    ) -> AsyncIterator[str]:
        """Upstream SSE events, reshaped; ``[DONE]`` is not passed on (0.7.3 drops it)."""
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[len("data:") :].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError:
                    continue
                if isinstance(chunk, dict):
                    yield f"data: {dumps(shape_chunk(chunk, model))}\n\n"
        finally:
            await response.aclose()
            await upstream.aclose()

    async def not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        detail = exc.detail if isinstance(exc, HTTPException) else "Not Found"
        return self._json(request, {"detail": detail}, status)


def create_stack_app(stand_in: LlamaStackStandIn) -> ConnectionCloser:
    """The ASGI app serving ``stand_in``, with these behaviours of llama-stack 0.7.3:

    - provider data comes from the ``X-LlamaStack-Provider-Data`` header (any case) and must
      be a JSON object with both ``azure_api_key`` (string) and ``azure_api_base`` (http(s)
      URL); otherwise it is dropped and the config ``api_key`` is used, or the answer is
      400 ``API key not provided. ...``. A JSON value that is not an object makes a chat a
      bare 500;
    - the request goes to ``{config.base_url}/chat/completions`` with ``Authorization:
      Bearer <key>``, no ``api-key`` header and no ``api-version``, ``model`` set to the
      provider's model id; the header's ``azure_api_base`` is not used for routing;
    - model ids are ``<provider_id>/<model>``; the bare name is a 404;
    - upstream errors keep their status, with the text ``Error code: <status> - <message>``;
      429, 408, 409 and 5xx are tried 3 times in all (``Retry-After`` honoured up to 60 s);
      a dead upstream or a non-JSON success body is a 500 ``Internal server error: ...``;
    - streams are ``data: {...}`` events with no ``data: [DONE]`` at the end; chunks and
      completions carry every OpenAI field (nulls included) plus whatever Azure added;
    - ``models.list()`` with valid provider data also lists what Azure's ``GET /models``
      returns;
    - secrets in the providers listing are ``********``;
    - after an error raised inside the server (the 400 for a missing key, upstream errors,
      unknown provider), the server closes the keep-alive connection, as Starlette's
      ``ServerErrorMiddleware`` makes the real one do.

    Faults (`StackFaults`): ``down`` (connections dropped; set before `start` nothing
    listens), an error ``status`` on every route, ``latency_s``, ``not_json`` (an HTML page
    with 200) and ``ignore_provider_data`` (the header is dropped, as by a proxy that
    strips it).
    """
    handlers = _StackApp(stand_in)
    routes = [
        Route("/v1/health", handlers.health, methods=["GET"]),
        Route("/v1/version", handlers.version, methods=["GET"]),
        Route("/v1/providers", handlers.providers, methods=["GET"]),
        Route("/v1/providers/{provider_id}", handlers.provider, methods=["GET"]),
        Route("/v1/models", handlers.models, methods=["GET"]),
        Route("/v1/chat/completions", handlers.chat_completions, methods=["POST"]),
    ]
    if "responses" in stand_in.apis:
        routes.append(Route("/v1/responses", ResponsesApi(stand_in).responses, methods=["POST"]))
    app = Starlette(
        routes=routes,
        exception_handlers={404: handlers.not_found, 405: handlers.not_found},
    )
    return ConnectionCloser(app)
