"""Wuxi Carbon-Peak Atlas (无锡碳达峰空间监测): the one import name of the installed package."""
