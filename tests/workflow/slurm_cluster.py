"""A throw-away one-node SLURM cluster for tests (Debian ``slurm-wlm`` + ``munge``, run as root).

Used by ``tests/test_slurm_cluster.py``; it is not a test module itself.

    reason = ensure_slurm_installed()          # None when usable, else why not (skip reason)
    with SlurmCluster(tmp_path) as cluster:    # writes slurm.conf + munge key, starts the daemons
        subprocess.run([...], env=cluster.env) # SLURM_CONF points at this cluster

Everything lives in one directory (config, munge key and socket, state, spool, logs, pid files),
the daemons run in the foreground as children of this process, and ``stop()`` ends exactly the
processes started here (plus job-step daemons that carry this cluster's ``SLURM_CONF``). Every
wait is bounded.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

# Tools the cluster needs (daemons in /usr/sbin, clients in /usr/bin).
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel", "srun")
APT_PACKAGES = ("slurm-wlm", "munge")
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin"])


def which(tool: str) -> str | None:
    return shutil.which(tool, path=SEARCH_PATH)


def missing_tools() -> list[str]:
    return [tool for tool in DAEMONS + CLIENTS if which(tool) is None]


#: Set to 1 to let the test install the missing SLURM packages with apt-get (``.ci/run`` does).
INSTALL_VARIABLE = "GENOMIC_DL_INSTALL_SLURM"


def install_requested() -> bool:
    return os.environ.get(INSTALL_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def ensure_slurm_installed(timeout: float = 900, install: bool | None = None) -> str | None:
    """Make sure SLURM and munge are installed; install them with apt-get only when asked.

    ``install`` (default: the environment variable ``GENOMIC_DL_INSTALL_SLURM=1``) allows
    ``apt-get install``; a plain ``make test`` as root never changes the machine's packages.
    Returns None when the cluster can be started, otherwise the reason why not (for pytest.skip).
    """
    if os.geteuid() != 0:
        return "a one-node SLURM cluster needs root (daemons run as root/munge)"
    if not missing_tools():
        return None
    if not (install_requested() if install is None else install):
        return (
            f"SLURM tools missing ({', '.join(missing_tools())}); set {INSTALL_VARIABLE}=1 to let the test "
            f"install {' and '.join(APT_PACKAGES)} with apt-get (.ci/run does)"
        )
    apt = which("apt-get")
    if apt is None:
        return f"SLURM tools missing ({', '.join(missing_tools())}) and no apt-get to install them"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    deadline = time.monotonic() + timeout
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES]):
        try:
            result = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                timeout=max(1.0, deadline - time.monotonic()),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"'{' '.join(command)}' did not finish within {timeout:.0f} s"
        if result.returncode != 0:
            return f"'{' '.join(command)}' failed: {(result.stdout + result.stderr)[-800:]}"
    if missing_tools():
        return f"still missing after apt-get install: {', '.join(missing_tools())}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_cpus() -> int:
    return len(os.sched_getaffinity(0))


def node_memory_mb() -> int:
    """Memory to declare for the node: 95% of MemTotal (slurmd drains a node that has less than declared)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.95)
    raise RuntimeError("no MemTotal in /proc/meminfo")


class SlurmCluster:
    """One controller + one compute node on this machine, configured under ``root``."""

    def __init__(self, root: Path, *, partition: str = "debug", min_job_age: int = 300):
        self.root = Path(root)
        self.partition = partition
        self.min_job_age = min_job_age
        self.hostname = socket.gethostname().split(".")[0]
        self.cpus = node_cpus()
        self.memory_mb = node_memory_mb()
        self.conf = self.root / "slurm.conf"
        self.munge_dir: Path | None = None  # made by write_config(), removed by stop()
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: list = []

    # -- configuration --------------------------------------------------------------------------

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (sbatch, squeue, ...) talking to this cluster."""
        return {
            **os.environ,
            "SLURM_CONF": str(self.conf),
            "PATH": os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", ""), "/usr/sbin"]),
        }

    def _write_client_wrappers(self) -> None:
        """Client wrappers that set SLURM_CONF, first on the PATH of this cluster's jobs.

        Inside a job the Snakemake jobstep plugin (0.6) runs each rule with a nested `srun` from
        an environment stripped of every SLURM_* variable, SLURM_CONF included; a config outside
        /etc/slurm is then not found ("Could not establish a configuration source"). Real clusters
        keep slurm.conf at the default path or run configless, so only this test cluster needs this.
        """
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        for tool in CLIENTS:
            wrapper = self.bin_dir / tool
            wrapper.write_text(
                f'#!/bin/sh\nexport SLURM_CONF="${{SLURM_CONF:-{self.conf}}}"\nexec {which(tool)} "$@"\n'
            )
            wrapper.chmod(0o755)

    def write_config(self) -> None:
        for sub in ("state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # munged runs as user munge, which must reach its directory: pytest's temp dirs are
        # private to root, so munge gets its own directory under /tmp.
        self.munge_dir = Path(tempfile.mkdtemp(prefix="slurm-test-munge-"))
        self._write_munge_key()
        self._write_client_wrappers()
        ctld_port, slurmd_port = free_port(), free_port()
        self.conf.write_text(f"""\
# Written by tests/slurm_cluster.py: a one-node cluster for tests, no accounting.
ClusterName=snaketest
SlurmctldHost={self.hostname}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
CredType=cred/munge
StateSaveLocation={self.root / "state"}
SlurmdSpoolDir={self.root / "spool"}
SlurmctldPidFile={self.root / "slurmctld.pid"}
SlurmdPidFile={self.root / "slurmd.pid"}
SlurmctldLogFile={self.root / "log" / "slurmctld.log"}
SlurmdLogFile={self.root / "log" / "slurmd.log"}
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in containers: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
# No accounting database: sacct cannot answer, so Snakemake must poll squeue, which only sees
# jobs for MinJobAge seconds after they end (the plugin wants >= 3 x its first status delay).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge={self.min_job_age}
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName={self.hostname} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN
PartitionName={self.partition} Nodes={self.hostname} Default=YES MaxTime=INFINITE State=UP
""")

    @property
    def munge_socket(self) -> Path:
        return self.munge_dir / "munge.socket"

    def _write_munge_key(self) -> None:
        munge = pwd.getpwnam("munge")
        key = self.munge_dir / "munge.key"
        key.write_bytes(os.urandom(1024))
        # munged insists: key owned by its user and private; its directories not group/other writable.
        for path, mode in ((self.munge_dir, 0o755), (key, 0o600)):
            os.chown(path, munge.pw_uid, munge.pw_gid)
            os.chmod(path, mode)

    # -- daemons --------------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], user: str | None = None) -> None:
        log = open(self.root / "log" / f"{name}.out", "ab")  # noqa: SIM115 (open while the daemon runs)
        self._logs.append(log)
        kwargs = {}
        if user is not None:
            account = pwd.getpwnam(user)
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.processes[name] = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**self.env, "HOME": str(self.root)},
            cwd=self.root,
            start_new_session=True,
            **kwargs,
        )

    def _wait_for(self, what: str, ready, timeout: float, interval: float = 0.5) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode} while waiting for {what}\n" + self.logs_tail()
                    )
            if ready():
                return
            time.sleep(interval)
        raise TimeoutError(f"{what} not ready within {timeout:.0f} s\n" + self.logs_tail())

    def client(self, *args: str, timeout: float = 15) -> subprocess.CompletedProcess:
        """Run a SLURM client command against this cluster (bounded)."""
        try:
            return subprocess.run(
                [which(args[0]) or args[0], *args[1:]],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            return subprocess.CompletedProcess(error.cmd, 124, "", f"timed out after {timeout} s")

    def node_state(self) -> str:
        result = self.client("sinfo", "--noheader", "--Node", "--format=%T")
        return result.stdout.strip() if result.returncode == 0 else ""

    def start(self, timeout: float = 60) -> None:
        atexit.register(self.stop)  # also on an interpreter exit that skips __exit__
        self.write_config()
        self._spawn(
            "munged",
            [
                which("munged"),
                "--foreground",
                "--force",
                f"--socket={self.munge_socket}",
                f"--key-file={self.munge_dir / 'munge.key'}",
                f"--pid-file={self.munge_dir / 'munged.pid'}",
                f"--seed-file={self.munge_dir / 'munged.seed'}",
                f"--log-file={self.munge_dir / 'munged.log'}",
            ],
            user="munge",
        )
        self._wait_for("munged socket", self.munge_socket.exists, timeout)
        # -D: foreground, so the pid is ours; -i: a fresh state directory is no error.
        self._spawn("slurmctld", [which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._wait_for("slurmctld", lambda: self.client("scontrol", "ping").returncode == 0, timeout)
        self._spawn("slurmd", [which("slurmd"), "-D", "-f", str(self.conf), "-N", self.hostname])
        self._wait_for("node idle", lambda: self.node_state() == "idle", timeout)

    def jobs(self) -> list[str]:
        """Ids of the jobs the controller still knows (pending, running, or ended < MinJobAge ago)."""
        result = self.client("squeue", "--noheader", "--states=all", "--format=%i|%T")
        return [line for line in result.stdout.splitlines() if line.strip()]

    def _job_step_daemons(self) -> list[int]:
        """slurmstepd processes of this cluster (they carry our SLURM_CONF in their environment)."""
        marker = f"SLURM_CONF={self.conf}".encode()
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if (proc / "comm").read_text().strip() == "slurmstepd" and marker in (
                    proc / "environ"
                ).read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids

    def stop(self, timeout: float = 30) -> None:
        """Cancel remaining jobs, then end exactly the processes started here (TERM, then KILL)."""
        atexit.unregister(self.stop)
        try:
            if self.processes.get("slurmctld") and self.processes["slurmctld"].poll() is None:
                self.client("scancel", f"--partition={self.partition}", timeout=10)
                deadline = time.monotonic() + timeout
                while self._job_step_daemons() and time.monotonic() < deadline:
                    time.sleep(0.5)
            for pid in self._job_step_daemons():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        finally:
            for name in ("slurmd", "slurmctld", "munged"):
                process = self.processes.get(name)
                if process is None or process.poll() is not None:
                    continue
                process.terminate()
                try:
                    process.wait(timeout=timeout / 3)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            for log in self._logs:
                log.close()
            self._logs.clear()
            if self.munge_dir is not None and not self.running():
                munged_log = self.munge_dir / "munged.log"
                if munged_log.exists():
                    shutil.copy(munged_log, self.root / "log" / "munged.log")
                shutil.rmtree(self.munge_dir, ignore_errors=True)

    def running(self) -> list[str]:
        """Names of daemons started here that are still alive."""
        return [name for name, process in self.processes.items() if process.poll() is None]

    def logs_tail(self, chars: int = 3000) -> str:
        out = []
        for path in sorted((self.root / "log").glob("*")):
            if path.is_file():
                out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(out)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
