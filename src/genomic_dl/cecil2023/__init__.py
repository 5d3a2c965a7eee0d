"""Cecil & Sugden (2023): width standardisation, summary-statistic baselines, the model
complexity ladder, SHAP interpretation and the paper's figures and tables."""
