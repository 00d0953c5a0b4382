load 'values.gp'
