"""Docstring examples of ``functrace.scipy.special``'s functions (a table).

Written by tools/docstring_examples.py, checked as doctests by
tests/test_doctests.py, appended to the docstrings when the module loads.

>>> import functrace.scipy.special as fsp
>>> ">>> fsp.gammaln(" in fsp.gammaln.__doc__
True
"""
EXAMPLES = {
    'gammaln': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.gammaln(np.array([0.5, 1.5, 2.5]))\narray([ 0.57236494, -0.12078224,  0.28468287])',
    'digamma': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.digamma(np.array([0.5, 1.5, 2.5]))\narray([-1.96351003,  0.03648997,  0.70315664])',
    'psi': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.psi(np.array([0.5, 1.5, 2.5]))\narray([-1.96351003,  0.03648997,  0.70315664])',
    'polygamma': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.polygamma(1, np.array([0.5, 1.5, 2.5]))\narray([4.9348022 , 0.9348022 , 0.49035776])',
    'gamma': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.gamma(np.array([0.5, 1.5, 2.5]))\narray([1.77245385, 0.88622693, 1.32934039])',
    'rgamma': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.rgamma(np.array([0.5, 1.5, 2.5]))\narray([0.56418958, 1.12837917, 0.75225278])',
    'beta': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.beta(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([1.33333333, 1.57079633])',
    'betaln': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.betaln(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([0.28768207, 0.45158271])',
    'gammainc': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.gammainc(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([0.95449974, 0.19874804])',
    'gammaincc': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.gammaincc(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([0.04550026, 0.80125196])',
    'betainc': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.betainc(2.0, 3.0, np.array([0.25, 0.5]))\narray([0.26171875, 0.6875    ])',
    'erf': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.erf(np.array([0.5, 1.5, 2.5]))\narray([0.52049988, 0.96610515, 0.99959305])',
    'erfc': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.erfc(np.array([0.5, 1.5, 2.5]))\narray([4.79500122e-01, 3.38948535e-02, 4.06952017e-04])',
    'erfinv': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.erfinv(np.array([0.25, 0.5, 0.75]))\narray([0.22531206, 0.47693628, 0.81341985])',
    'erfcinv': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.erfcinv(np.array([0.25, 0.5, 1.5]))\narray([ 0.81341985,  0.47693628, -0.47693628])',
    'expit': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.expit(np.array([0.5, 1.5, 2.5]))\narray([0.62245933, 0.81757448, 0.92414182])',
    'logit': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.logit(np.array([0.25, 0.5, 0.75]))\narray([-1.09861229,  0.        ,  1.09861229])',
    'log_ndtr': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.log_ndtr(np.array([0.5, 1.5, 2.5]))\narray([-0.36894642, -0.06914346, -0.00622903])',
    'ndtr': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.ndtr(np.array([0.5, 1.5, 2.5]))\narray([0.69146246, 0.9331928 , 0.99379033])',
    'ndtri': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.ndtri(np.array([0.25, 0.5, 0.75]))\narray([-0.67448975,  0.        ,  0.67448975])',
    'xlogy': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.xlogy(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([ 0.34657359, -1.03972077])',
    'xlog1py': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.xlog1py(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([0.54930614, 0.60819766])',
    'i0': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.i0(np.array([0.5, 1.5, 2.5]))\narray([1.06348337, 1.64672319, 3.28983914])',
    'i1': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.i1(np.array([0.5, 1.5, 2.5]))\narray([0.25789431, 0.98166643, 2.51671625])',
    'i0e': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.i0e(np.array([0.5, 1.5, 2.5]))\narray([0.64503527, 0.36743361, 0.27004644])',
    'i1e': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.i1e(np.array([0.5, 1.5, 2.5]))\narray([0.1564208 , 0.21903939, 0.20658465])',
    'iv': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.iv(1, np.array([0.5, 1.5, 2.5]))\narray([0.25789431, 0.98166643, 2.51671625])',
    'ive': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.ive(1, np.array([0.5, 1.5, 2.5]))\narray([0.1564208 , 0.21903939, 0.20658465])',
    'j0': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.j0(np.array([0.5, 1.5, 2.5]))\narray([ 0.93846981,  0.51182767, -0.04838378])',
    'j1': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.j1(np.array([0.5, 1.5, 2.5]))\narray([0.24226846, 0.55793651, 0.4970941 ])',
    'jn': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.jn(1, np.array([0.5, 1.5, 2.5]))\narray([0.24226846, 0.55793651, 0.4970941 ])',
    'jv': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.jv(1, np.array([0.5, 1.5, 2.5]))\narray([0.24226846, 0.55793651, 0.4970941 ])',
    'y0': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.y0(np.array([0.5, 1.5, 2.5]))\narray([-0.44451873,  0.38244892,  0.49807036])',
    'y1': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.y1(np.array([0.5, 1.5, 2.5]))\narray([-1.47147239, -0.41230863,  0.14591814])',
    'yn': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.yn(1, np.array([0.5, 1.5, 2.5]))\narray([-1.47147239, -0.41230863,  0.14591814])',
    'yv': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.yv(1, np.array([0.5, 1.5, 2.5]))\narray([-1.47147239, -0.41230863,  0.14591814])',
    'multigammaln': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.multigammaln(np.array([2.0, 3.5]), 2)\narray([0.45158271, 2.46648573])',
    'logsumexp': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.logsumexp(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)\narray([2.31326169, 4.31326169])',
    'softmax': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.softmax(np.array([1.0, 2.0, 3.0]))\narray([0.09003057, 0.24472847, 0.66524096])',
    'log_softmax': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.log_softmax(np.array([1.0, 2.0, 3.0]))\narray([-2.40760596, -1.40760596, -0.40760596])',
    'entr': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.entr(np.array([0.5, 1.5, 2.5]))\narray([ 0.34657359, -0.60819766, -2.29072683])',
    'rel_entr': '>>> import numpy as np\n>>> import functrace.scipy.special as fsp\n>>> fsp.rel_entr(np.array([0.5, 1.5]), np.array([2.0, 0.5]))\narray([-0.69314718,  1.64791843])',
}
