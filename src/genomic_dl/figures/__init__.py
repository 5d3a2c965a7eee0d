"""Figure and table rendering; every figure writes the numbers it draws to a CSV beside it."""
