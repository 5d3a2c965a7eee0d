"""Job logs: progress lines and, when a job fails, its error and traceback."""

import subprocess
import sys


def test_uncaught_error_lands_in_the_job_log(tmp_path):
    log = tmp_path / "logs" / "job.log"
    script = f"from genomic_dl.runlog import job_logger\nlog = job_logger({str(log)!r})\nlog.info('step 1 done')\nraise ValueError('config key x: expected y')\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    text = log.read_text()
    assert "step 1 done" in text
    assert "job failed: ValueError: config key x: expected y" in text and "Traceback" in text
