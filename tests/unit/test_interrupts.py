"""`run_coroutine`: Ctrl+C once or twice while a command's event loop runs, the second
one landing in the cleanup that follows the first.

The coroutine blocks for 2 s in its cleanup after the cancellation, so the second SIGINT
surely lands there. Once or twice, the process must end with 130, say "interrupted"
exactly once and print no traceback. The race that made asyncio's own handler fail
("Event loop stopped before Future completed", exit 70, about 1 run in 10 of ``token``
with two Ctrl+Cs at once) is exercised on the real commands by
``tests/integration/test_quit_promptly.py``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

SLOW_CLEANUP = textwrap.dedent(
    """
    import asyncio, sys, time
    from console.shared import interrupts

    async def command():
        try:
            print("ready", flush=True)
            await asyncio.sleep(60)
        finally:
            time.sleep(2)  # cleanup that blocks the loop: the second SIGINT lands in the task

    try:
        interrupts.run_coroutine(command())
        code = 0
    except KeyboardInterrupt:
        interrupts.leave_on_next_interrupt()
        interrupts.say_interrupted()
        code = interrupts.INTERRUPTED
    interrupts.ignore_interrupts()
    sys.exit(code)
    """
)


def started() -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_CLEANUP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.mark.parametrize("second", [False, True], ids=["once", "twice"])
def test_a_second_ctrl_c_during_the_cleanup_ends_the_process_with_130(second: bool) -> None:
    process = started()
    try:
        process.send_signal(signal.SIGINT)
        if second:
            time.sleep(0.3)  # inside the 2 s cleanup
            process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert stderr.count("interrupted") == 1, stderr
