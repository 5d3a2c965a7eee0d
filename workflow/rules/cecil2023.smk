# Cecil & Sugden (2023): figures and tables.

CECIL_FIGURES = [
    "results/cecil2023/figF_sfs.pdf",
    "results/cecil2023/figF_sfs.csv",
]


rule cecil2023_figF_sfs:
    input:
        three_population=[
            simulation_shard(CECIL["figF_sfs"]["three_population_scenario"], 0, i)
            for i in range(CECIL["figF_sfs"]["shards"])
        ],
        single_population=[
            simulation_shard(CECIL["figF_sfs"]["single_population_scenario"], 0, i)
            for i in range(CECIL["figF_sfs"]["shards"])
        ],
    output:
        pdf="results/cecil2023/figF_sfs.pdf",
        csv="results/cecil2023/figF_sfs.csv",
    log:
        "logs/cecil2023/figF_sfs.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        populations=CECIL["figF_sfs"]["populations"],
    script:
        "../../scripts/plot_cecil_figF_sfs.py"
