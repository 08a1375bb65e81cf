"""environment.yml, pyproject.toml and constraints.txt describe the same environment."""

import re
import tomllib

import yaml

from utils.notebook import ROOT

CONDA_TO_PIP = {"python": None, "pip": None}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_names(extras=("cpu", "dev")) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return {_name(r) for r in reqs}


def _environment_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        elif CONDA_TO_PIP.get(_name(dep), _name(dep)):
            names.add(CONDA_TO_PIP.get(_name(dep), _name(dep)))
    return names


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert _environment_names() == _pyproject_names()


def test_constraints_pin_every_direct_dependency_exactly():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    missing = _pyproject_names(extras=("cpu", "gpu", "dev")) - set(pins)
    assert not missing, f"constraints.txt does not pin {sorted(missing)}: run `make lock`"


def test_gpu_extra_brings_tensorflow_with_cuda():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(r.startswith("tensorflow[and-cuda]") for r in project["optional-dependencies"]["gpu"])
    assert not any(_name(r).startswith("tensorflow") for r in project["dependencies"])
