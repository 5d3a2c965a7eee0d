# Population-genetic simulation: one shard of replicates per job, msprime or SLiM by scenario.


rule simulate_msprime:
    output:
        simulation_shard("{scenario}", "{S}", "{shard}"),
    log:
        f"{LOGS}/simulate/{{scenario}}/S{{S}}/shard{{shard}}.log",
    wildcard_constraints:
        scenario="|".join(CORE.scenarios_by_engine["msprime"]) or "^$",
    conda:
        "../../envs/simulation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("simulate_msprime"),
        runtime=RES.runtime("simulate_msprime"),
    params:
        scenario=lambda w: CORE.scenarios[w.scenario],
        n_replicates=config["simulation"]["replicates_per_shard"],
        seed=lambda w: job_seed("simulate", w.scenario, w.S, w.shard),
    script:
        "../../scripts/core/simulate_msprime.py"


rule simulate_slim:
    output:
        simulation_shard("{scenario}", "{S}", "{shard}"),
    log:
        f"{LOGS}/simulate/{{scenario}}/S{{S}}/shard{{shard}}.log",
    wildcard_constraints:
        scenario="|".join(CORE.scenarios_by_engine["slim"]) or "^$",
    conda:
        "../../envs/slim.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("simulate_slim"),
        runtime=RES.runtime("simulate_slim"),
    params:
        scenario=lambda w: CORE.scenarios[w.scenario],
        n_replicates=config["simulation"]["replicates_per_shard"],
        seed=lambda w: job_seed("simulate", w.scenario, w.S, w.shard),
    script:
        "../../scripts/core/simulate_slim.py"
