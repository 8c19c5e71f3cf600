"""The doctor's live steps: the server, its providers, the Entra ID token, the test inference.

Each step is a function of the deployment (`console.settings.target.Target`), what earlier
steps found (`DoctorState`, which it updates) and the run's `RunParameters`; it returns the step's
`CheckResult`. Failures of live calls arrive as `Diagnosis` objects and are passed on whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.doctor.graph import title_of
from console.doctor.results import CheckResult, CheckStatus, failed
from console.doctor.state import DoctorState, RunParameters
from console.settings.target import Target
from console.shared.diagnosis import DiagnosedError, Diagnosis

if TYPE_CHECKING:
    from console.config.loaded import Loaded
    from console.entra.manager import TokenManager, TokenStatus

LIBRARY_TITLE = "Llama Stack library boot"
"""The stack step's title in library mode: no server, the run.yaml booted in-process."""


async def check_stack(target: Target, state: DoctorState, _: RunParameters) -> CheckResult:
    """Open a session with the configured (or given) server and ask its version."""
    from console.shared.ca_bundle import CaBundleError
    from console.stack.kind import HeaderNameError, server_facts
    from console.stack.session import NoServer, open_session

    loaded = state.checked_loaded
    title = title_of("stack")
    options = target.options
    await state.drop_session()
    try:
        session = open_session(
            loaded,
            url=options.url,
            provider_data_header=options.provider_data_header,
            timeout=options.stack_timeout,
            ca_bundle=options.stack_ca_bundle,
            max_answer=options.max_answer,
        )
    except CaBundleError as error:
        return failed("stack", title, error.diagnosis())
    except HeaderNameError as error:
        return CheckResult(
            "stack",
            title,
            CheckStatus.FAIL,
            str(error),
            remedy="Give a valid HTTP header name to --provider-data-header.",
        )
    if isinstance(session, NoServer) and session.reason == "library-mode":
        return await boot_library(target, state)
    state.session = session
    if isinstance(session, NoServer):
        return CheckResult("stack", title, CheckStatus.FAIL, session.message, remedy=session.remedy)
    try:
        info = await session.info()
    except DiagnosedError as error:
        return failed("stack", title, error.diagnosis)
    state.stack_info = info
    marker = " (sandbox stand-in)" if info.kind == "sandbox" else ""
    return CheckResult(
        "stack",
        title,
        CheckStatus.PASS,
        f"{info.kind} {info.version}{marker} at {info.url}; provider data in {info.header_name}",
        details=(f"URL from {url_source(target, loaded)}", *server_facts(info.kind).lines()),
    )


def url_source(target: Target, loaded: Loaded) -> str:
    """Where the server's URL came from: ``--url``, the deployment's entry, or the file."""
    if target.options.url is not None:
        return target.options.source_of("url", "--url")
    settings = loaded.llama_stack
    file = loaded.lightspeed.path.name if loaded.lightspeed is not None else "lightspeed-stack.yaml"
    if settings is None:
        return file
    where = f"{file}:{settings.line}" if settings.line else file
    return f"{settings.section}.url ({where})"


async def boot_library(target: Target, state: DoctorState) -> CheckResult:
    """Library mode: boot the run.yaml in its release's library client, as Lightspeed starts."""
    from console.library.errors import NotVerified
    from console.library.open import library_session, release_for
    from console.stack.kind import server_facts

    loaded = state.checked_loaded
    title = LIBRARY_TITLE
    release = release_for(loaded)
    if loaded.run is None:
        choice = loaded.run_choice
        return CheckResult(
            "stack",
            title,
            CheckStatus.FAIL,
            f"library mode, but no run.yaml to boot: {choice.reason}",
            remedy="Point library_client_config_path at the run.yaml (or pass --run-config).",
        )
    session = library_session(
        loaded, target.options, environ=target.environ, secrets=target.env_secrets
    )
    state.session = session
    try:
        report = await session.boot(None)
        info = await session.info()
    except NotVerified as why:
        return CheckResult(
            "stack", title, CheckStatus.SKIP, f"not verified: {why.reason}", remedy=why.remedy
        )
    except DiagnosedError as error:
        return failed("stack", title, error.diagnosis)
    state.stack_info = info
    imported = f", import {report.import_s:.1f} s" if report.import_s is not None else ""
    summary = (
        f"library (booted locally): {release.label} booted {report.run_label} in "
        f"{report.seconds:.1f} s{imported}; provider data in {info.header_name}"
    )
    problems = [
        *report.warnings(),
        *(f"synthesis: {note}" for note in (loaded.synthesis.notes if loaded.synthesis else ())),
    ]
    details = (
        *problems,
        f"every store moved to a temporary folder ({report.moved}), removed afterwards",
        *report.notes,
        f"each token refresh builds a new library client in Lightspeed: {report.seconds:.1f} s",
        *server_facts(info.kind).lines(library=True),
    )
    if problems:
        return CheckResult(
            "stack",
            title,
            CheckStatus.WARN,
            f"{summary}; {problems[0]}",
            remedy="The rest of the file booted and is checked; what is listed was not.",
            details=details,
        )
    return CheckResult("stack", title, CheckStatus.PASS, summary, details=details)


async def check_providers(_: Target, state: DoctorState, __: RunParameters) -> CheckResult:
    """The server's providers and models, and the Azure base URL as Lightspeed discovers it."""
    from console.shared.findings import Severity
    from console.stack.session import NoServer, survey

    title = title_of("providers")
    session = state.session
    assert session is not None  # the stack step passed: a session to the server or library
    assert not isinstance(session, NoServer)
    result = await survey(session, state.loaded)
    state.survey = result
    if result.diagnosis is not None:
        return failed("providers", title, result.diagnosis)
    discovery = result.discovery
    assert discovery is not None
    details = tuple(f"{f.severity.value}: {f.message}" for f in discovery.findings)
    if discovery.azure_base_url is None:
        finding = discovery.findings[0] if discovery.findings else None
        return CheckResult(
            "providers",
            title,
            CheckStatus.FAIL,
            finding.message if finding else "the server has no remote::azure provider",
            remedy=finding.remedy if finding else "Add a remote::azure provider to run.yaml.",
            details=details,
        )
    summary = (
        f"{len(result.providers)} provider(s), {len(result.models)} model(s); "
        f"Azure base URL {discovery.azure_base_url} (provider {discovery.provider_id})"
    )
    problems = [f for f in discovery.findings if f.severity is not Severity.INFO]
    if problems:
        return CheckResult(
            "providers",
            title,
            CheckStatus.WARN,
            f"{summary}; {problems[0].message}",
            remedy=problems[0].remedy,
            details=details,
        )
    return CheckResult("providers", title, CheckStatus.PASS, summary, details=details)


async def check_token(target: Target, state: DoctorState, params: RunParameters) -> CheckResult:
    """An Entra ID token as Lightspeed gets it (a new one when ``params.force_token``)."""
    from console.entra.errors import with_origins
    from console.entra.manager import TokenError, TokenManager
    from console.entra.settings import entra_origins, entra_problems, wrong_types

    loaded = state.checked_loaded
    title = title_of("token")
    state.token = None
    bad = wrong_types(loaded)
    problems = entra_problems(loaded)
    if bad or problems:
        first = bad[0].message if bad else problems[0].message
        remedy = bad[0].remedy if bad else problems[0].remedy
        details = tuple(f.message for f in bad) + tuple(p.message for p in problems)
        return CheckResult("token", title, CheckStatus.FAIL, first, remedy=remedy, details=details)
    assert loaded.entra is not None
    options = target.options
    try:
        if state.token_manager is None:
            state.token_manager = TokenManager.for_options(loaded.entra, options, target.environ)
        manager = state.token_manager
        status = await (manager.force_refresh() if params.force_token else manager.get_token())
    except TokenError as error:
        origins = entra_origins(loaded, target.environ, target.env_sources)
        return failed("token", title, with_origins(error.diagnosis, origins))
    state.token = status
    return token_result(status, manager)


_CHECK_WORDS = {"pass": "ok", "warn": "WARN", "fail": "FAILED", "unknown": "?"}


def token_result(status: TokenStatus, manager: TokenManager) -> CheckResult:
    """The token step's result from the token's checks.

    A check Azure OpenAI refuses the token for (another audience, expired) fails the step,
    with a diagnosis naming the token endpoint; another failed check (tenant, app, clock)
    or a warning (a lifetime Lightspeed refreshes on every request) makes it a warning.
    """
    title = title_of("token")
    checks = "; ".join(f"{check.name} {_CHECK_WORDS[check.state]}" for check in status.checks)
    summary = f"acquired, expires in {int(status.seconds_left // 60)} min; {checks}"
    problems = [*status.failed_checks, *status.warned_checks]
    details = tuple(f"{c.name}: expected {c.expected}, got {c.actual}" for c in problems)
    refused = [check for check in status.failed_checks if check.refused_by_azure]
    if refused:
        first = refused[0]
        diagnosis = Diagnosis(
            f"TOKEN_{first.name.upper()}",
            _REFUSED_TITLES[first.name],
            f"Entra ID issued a token, but its {first.name} is {first.actual} (expected "
            f"{first.expected}): Azure OpenAI refuses it.",
            first.remedy,
            manager.request.token_url,
        )
        return CheckResult(
            "token",
            title,
            CheckStatus.FAIL,
            f"{diagnosis.code}: {diagnosis.title}",
            remedy=first.remedy,
            diagnosis=diagnosis,
            details=(summary, *details),
        )
    if problems:
        return CheckResult(
            "token",
            title,
            CheckStatus.WARN,
            summary,
            remedy=problems[0].remedy,
            details=details,
        )
    return CheckResult("token", title, CheckStatus.PASS, summary)


_REFUSED_TITLES = {
    "aud": "The token is for another resource than Azure OpenAI",
    "lifetime": "The token has expired or carries no usable expiry",
}


async def check_inference(target: Target, state: DoctorState, params: RunParameters) -> CheckResult:
    """A test inference with the provider-data header, as the run's request asks for it."""
    from console.inference.curl import token_line
    from console.inference.request import DEFAULT_PROMPT
    from console.inference.run import run_chat, run_responses
    from console.stack.session import StackSession

    title = title_of("inference")
    session = state.session
    assert state.token is not None
    assert state.survey is not None
    discovery = state.survey.discovery
    request = params.inference
    base_url = discovery.azure_base_url if discovery else None
    model = request.model or target.options.model
    prompt = request.prompt or target.options.prompt or DEFAULT_PROMPT
    token = state.token.token
    if isinstance(session, StackSession):
        if request.api == "responses":
            result = await run_responses(
                session,
                token,
                base_url,
                model=model,
                prompt=prompt,
                exact_model=request.exact_model,
                reveal=request.reveal,
                fill_token=token_line(target),
            )
        else:
            result = await run_chat(
                session,
                token,
                base_url,
                model=model,
                prompt=prompt,
                stream=request.stream,
                on_delta=request.on_delta,
                exact_model=request.exact_model,
                reveal=request.reveal,
                fill_token=token_line(target),
            )
    else:  # library mode: the library client of the release, booted by the stack step
        from console.library.session import LibrarySession

        assert isinstance(session, LibrarySession)
        result = await session.chat(
            token,
            base_url,
            model=model,
            prompt=prompt,
            stream=request.stream,
            on_delta=request.on_delta,
            exact_model=request.exact_model,
        )
    state.inference = result
    if result.diagnosis is not None:
        return failed("inference", title, result.diagnosis)
    rebuilt = (
        f" (a new library client with the token first: {result.client_rebuilt_s:.1f} s)"
        if result.client_rebuilt_s is not None
        else ""
    )
    return CheckResult(
        "inference",
        title,
        CheckStatus.PASS,
        f"{result.model} answered in {result.latency_s * 1000:.0f} ms "
        f"via {result.header_name}{rebuilt}: {result.answer.strip()[:60]!r}",
    )
