"""Packaging for ossh: the `ossh` console script and its runtime dependencies."""

from setuptools import find_packages, setup

setup(
    name="ossh",
    version="0.1.0",
    description="An interactive shell, client core and embedded server for Alibaba Cloud OSS",
    long_description=open("README", encoding="utf-8").read(),
    long_description_content_type="text/plain",
    python_requires=">=3.10",
    packages=find_packages(include=["ossh", "ossh.*"]),
    install_requires=[
        "requests>=2.31",
        "urllib3>=2.0",
        "xmltodict>=0.13",
        "prompt_toolkit>=3.0.36",
        "anycrc>=2.0",
    ],
    extras_require={
        "test": [
            "pytest>=7.4",
            "oss2>=2.18",
            "alibabacloud-oss-v2>=1.1",
            "ruff>=0.17,<0.18",  # lint and format check; one minor version, so the format is stable
        ],
    },
    entry_points={"console_scripts": ["ossh = ossh.cli:main"]},
)
