"""The test suite, as packages: pytest imports every module by its dotted name
(`tests.provider.test_faults`), so modules of one name may live in several folders, and each folder's helpers
are imported absolutely (`from tests.lifecycle.support import Project`), without any change to sys.path."""
