"""Fit the erfc polynomial used by the Swift GELU kernel (Sources/Finetune/Compute/CPU/VectorMath.swift).

For z >= 0 the kernel evaluates erfc(z) = t * exp(-z*z + P(t)) with t = 1 / (1 + z/2), where P is a
degree-10 polynomial fitted here by Chebyshev least squares on z in [0, 10] (t in [1/6, 1]).
Run with ~/venv-ref/bin/python; prints the coefficients (highest degree first) and the worst
relative error of the float64 fit.
"""

import numpy as np
from scipy.special import erfc

DEGREE = 10

z = np.linspace(0.0, 10.0, 200_001)
t = 1.0 / (1.0 + 0.5 * z)
target = np.log(erfc(z)) + z * z - np.log(t)
fit = np.polynomial.chebyshev.Chebyshev.fit(t, target, DEGREE)
coefficients = fit.convert(kind=np.polynomial.Polynomial).coef  # lowest degree first

approx = t * np.exp(-z * z + np.polyval(coefficients[::-1], t))
print("max relative error (float64):", np.abs(approx / erfc(z) - 1).max())
for c in coefficients[::-1]:
    print(f"{float(np.float32(c))!r},")
