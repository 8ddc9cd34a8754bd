mod contract;
mod dashboard;
mod migrations;
mod stored_format;
mod support;
