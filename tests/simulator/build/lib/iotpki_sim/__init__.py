"""iotpki-simulator: Huawei Cloud IoTDA and Envision EnOS certificate APIs on 127.0.0.1, for tests."""

__version__ = "0.2.0"
