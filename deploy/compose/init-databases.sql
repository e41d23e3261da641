-- one database per service
create database referral;
create database cases;
create database notification;
create database gateway;
